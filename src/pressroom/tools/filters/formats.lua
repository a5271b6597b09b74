-- Pressroom formats filter: blocks written for one kind of output only.
--
-- A Div with the class `epub-only` is dropped from print, and one with `print-only` from the
-- EPUB: a PDF reading's text layer is the EPUB's text of pages that print reproduces as
-- they are. It runs after pages.lua, so that the block anchors (pm-N) are numbered alike in
-- both outputs and the print edition's page map finds its blocks in the EPUB.

local is_epub = FORMAT:match("epub") ~= nil
local unwanted = is_epub and "print-only" or "epub-only"

function Div(div)
  if div.classes:includes(unwanted) then
    return {}
  end
end
