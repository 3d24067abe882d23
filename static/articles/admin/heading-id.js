// Keeps the id attribute of h2/h3 subheadings in the body editor, so the
// table-of-contents anchors of a published article survive rewording.
// A heading split in two keeps the id on the first half only; the server
// (articles/html.py) gives new headings their ids and resolves duplicates.
import { Extension } from "django-prose-editor/editor"

export const HeadingId = Extension.create({
  name: "HeadingId",

  addGlobalAttributes() {
    return [
      {
        types: ["heading"],
        attributes: {
          id: {
            default: null,
            keepOnSplit: false,
            parseHTML: (element) => element.getAttribute("id") || null,
            renderHTML: (attributes) => (attributes.id ? { id: attributes.id } : {}),
          },
        },
      },
    ]
  },
})
