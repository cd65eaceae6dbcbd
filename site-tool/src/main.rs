//! `http-caching-site`: the build step of http-caching-server for any site
//! directory, without this repository or a Rust toolchain. Released as a
//! Linux binary and as a Spin plugin (`spin http-caching-site ...`), beside
//! the components it serves (`cargo xtask dist`).
//!
//! - `build SITE_DIR`: the precompressed variants and the site manifest.
//! - `check SITE_DIR`: the refused rules of `_headers` and `_redirects`, each
//!   with its file and line; exit status 1 when there is one.
//! - `serve SITE_DIR`: `build`, then the site under Spin (found as `$SPIN`,
//!   the Spin running this plugin, or `spin` on PATH) or wasmtime.
//! - `embed SITE_DIR -o site.wasm [--wasip2]`: `build`, then the site
//!   written into the generic embedded component beside this tool: no
//!   compiler, no network.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use http_caching_site::{build, check, embed, existing_dir, serve};

#[derive(Debug, Parser)]
#[command(
    name = "http-caching-site",
    version,
    about = "Build, check, serve and embed a site for http-caching-server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the precompressed variants (brotli, zstd, gzip) of the files
    /// worth compressing and the site manifest (MD5, length and time of each
    /// file), which give the server its variants and stable validators.
    Build {
        /// The site directory (a bundler's `dist/`, Spin's `assets/`).
        site_dir: PathBuf,
    },
    /// Check `_headers` and `_redirects`: each refused rule with its file
    /// and line; exit status 1 when one is refused.
    Check { site_dir: PathBuf },
    /// Build the site, then serve it on ADDR with Spin (when one is found)
    /// or wasmtime, files read where they are (edit one, see it).
    Serve(serve::Options),
    /// Build the site, then write it into the generic embedded component
    /// (WASIp3, or WASIp2 with --wasip2): a component that carries the site
    /// and mounts nothing, as `cargo xtask build --embed` makes, with no
    /// compiler. Its settings (NOT_FOUND_PAGE, CACHE_CONTROL, ...) come from
    /// the host's environment: `wasmtime serve --env NAME=VALUE`.
    Embed(embed::Options),
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("http-caching-site: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Build { site_dir } => build(&site_dir).map(|_| ExitCode::SUCCESS),
        Command::Check { site_dir } => Ok(match check(&site_dir)? {
            true => ExitCode::SUCCESS,
            false => ExitCode::FAILURE,
        }),
        Command::Serve(options) => {
            build(&options.site_dir)?;
            serve::serve(&options)
        }
        Command::Embed(options) => {
            build(&options.site_dir)?;
            let site = existing_dir(&options.site_dir)?;
            embed::embed(&options, &site).map(|()| ExitCode::SUCCESS)
        }
    }
}
