-- Pressroom language filter: in EPUB, every element Pandoc marks with `lang` also gets the
-- same `xml:lang`, which XHTML reading systems that predate HTML5's `lang` still read (EPUB
-- requires the two to agree when both are present). Print HTML needs `lang` only.

if not FORMAT:match("epub") then return {} end

local function mark(el)
  local lang = el.attributes["lang"]
  if lang and lang ~= "" then el.attributes["xml:lang"] = lang end
  return el
end

return { { Span = mark, Div = mark, Header = mark } }
