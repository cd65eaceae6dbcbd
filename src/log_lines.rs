//! The lines a request adds to the error log (stderr): why it was refused,
//! what was wrong with a file or with the site's own files (its rules, its
//! manifest) met while answering it. Kept as a list, appended in the order
//! they were met, and written once, when the reply is sent
//! (`crate::instance`).

use std::fmt;

/// Lines for the error log, in order; each is one line (no newline).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LogLines(Vec<String>);

impl LogLines {
    /// One line.
    pub fn of(line: impl Into<String>) -> LogLines {
        LogLines(vec![line.into()])
    }

    pub fn push(&mut self, line: impl Into<String>) {
        self.0.push(line.into());
    }

    /// `later`'s lines after these.
    pub fn append(&mut self, later: LogLines) {
        self.0.extend(later.0);
    }

    /// `earlier`'s lines before these.
    pub fn prepend(&mut self, earlier: LogLines) {
        self.0.splice(0..0, earlier.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The lines joined with newlines, as they are written; None when
    /// there are none.
    pub fn text(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.to_string())
    }
}

impl From<Option<String>> for LogLines {
    fn from(line: Option<String>) -> LogLines {
        LogLines(line.into_iter().collect())
    }
}

impl Extend<String> for LogLines {
    fn extend<I: IntoIterator<Item = String>>(&mut self, lines: I) {
        self.0.extend(lines);
    }
}

impl fmt::Display for LogLines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, line) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            f.write_str(line)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_their_order() {
        let mut lines = LogLines::of("b");
        lines.push("c");
        lines.prepend(LogLines::of("a"));
        lines.append(LogLines::from(None));
        lines.append(LogLines::from(Some("d".to_string())));
        assert_eq!(lines.text().as_deref(), Some("a\nb\nc\nd"));
        assert_eq!(LogLines::default().text(), None);
    }
}
