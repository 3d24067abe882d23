// The image library window opened by the body editor's "Browse…" button.
// Choosing an image calls back into the editor through the CKEditor 4
// file-browser protocol that django-prose-editor's Figure extension speaks.
"use strict";
(() => {
  const root = document.querySelector(".image-picker");
  if (!root) return;
  const funcNum = root.dataset.funcNum;

  const choose = (button) => {
    const data = { alternative_text: button.dataset.alt || "", caption: button.dataset.caption || "" };
    const opener = window.opener;
    if (opener && opener.CKEDITOR && opener.CKEDITOR.tools && funcNum) {
      opener.CKEDITOR.tools.callFunction(funcNum, button.dataset.url, data);
      window.close();
    } else {
      // Opened on its own: show the address to copy by hand.
      window.prompt("URL", button.dataset.url);
    }
  };

  root.addEventListener("click", (event) => {
    const button = event.target.closest(".image-picker__choice");
    if (button) choose(button);
  });
  if (root.dataset.autoselect) {
    const uploaded = document.getElementById(root.dataset.autoselect);
    if (uploaded) choose(uploaded);
  }
})();
