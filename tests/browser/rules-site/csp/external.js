window.externalRan = true; document.getElementById("external").textContent = "the external script ran";
