"""The sources: the collection file, readings (Markdown and PDF), their front matter and
sidecars, the bibliography, images and the appendices' data, loaded and checked."""
