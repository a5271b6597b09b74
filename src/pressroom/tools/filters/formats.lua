-- Pressroom formats filter: blocks written for one kind of output only.
--
-- A Div with the class `epub-only` is dropped from print, and one with `print-only` from the
-- EPUB: a PDF reading's text layer is the EPUB's text of pages that print reproduces as
-- they are. It runs after pages.lua, so that the block anchors (pm-N) are numbered alike in
-- both outputs and the print edition's page map finds its blocks in the EPUB.

-- The output the filter works for: the writer's, or `pressroom-target` when the EPUB's
-- units are filtered on their own, to JSON, before one EPUB is written of them.
local function epub_target(meta)
  return FORMAT:match("epub") ~= nil
    or pandoc.utils.stringify(meta["pressroom-target"] or "") == "epub"
end

function Pandoc(doc)
  local unwanted = epub_target(doc.meta) and "print-only" or "epub-only"
  return doc:walk({
    Div = function(div)
      if div.classes:includes(unwanted) then return {} end
    end,
  })
end
