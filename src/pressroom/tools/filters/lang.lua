-- Pressroom language filter: in EPUB, every element Pandoc marks with `lang` also gets the
-- same `xml:lang`, which XHTML reading systems that predate HTML5's `lang` still read (EPUB
-- requires the two to agree when both are present). Print HTML needs `lang` only.

-- The output the filter works for: the writer's, or `pressroom-target` when the EPUB's
-- units are filtered on their own, to JSON, before one EPUB is written of them.
local function epub_target(meta)
  return FORMAT:match("epub") ~= nil
    or pandoc.utils.stringify(meta["pressroom-target"] or "") == "epub"
end

local function mark(el)
  local lang = el.attributes["lang"]
  if lang and lang ~= "" then el.attributes["xml:lang"] = lang end
  return el
end

function Pandoc(doc)
  if not epub_target(doc.meta) then return nil end
  return doc:walk({ Span = mark, Div = mark, Header = mark })
end
