-- Pressroom print filter: line-breaking hints for the print HTML, run after notes.lua.
--
-- WeasyPrint hyphenates every word it may; a book does not break some of them. This filter
-- marks, generically (nothing here knows the edition's subject):
--   * words that already hold a hyphen ("well-known") and capitalised words that do not
--     open a sentence (names: places, people, titles), as `no-hyphens` spans, which the
--     stylesheet sets with `hyphens: manual`;
--   * a note call and the word before it, joined by a word joiner, so a call never starts a
--     line;
--   * a day number and the capitalised word after it ("25 July"), and "c." and what it
--     qualifies, joined by a no-break space;
--   * the last two words of a paragraph, joined when the last is short, so that a paragraph
--     does not end with a lone short word;
--   * a space before an element, moved into it (or, alone between two, it is lost from the
--     PDF's text);
--   * in headings and the subtitle, a number range ("1919–1964") or a hyphenated compound
--     joined up by word joiners, since display type is never broken at a dash;
--   * everywhere, a compound's own hyphen followed by a word joiner, since a line that ends
--     in a hyphen is joined up again in the PDF's text layer.

local NBSP = "\u{00A0}"
local WJ = "\u{2060}"
-- A word is only worth protecting if it is long enough to be hyphenated at all: WeasyPrint
-- never hyphenates a word shorter than the first value of hyphenate-limit-chars, which the
-- build reads from the stylesheets and passes in (html.py). A span that protects nothing
-- costs every layout an inline box of its own, and there are hundreds of names.
local MIN_PROTECTED = tonumber(PANDOC_WRITER_OPTIONS.variables["pressroom-hyphenate-min"]
  and tostring(PANDOC_WRITER_OPTIONS.variables["pressroom-hyphenate-min"])) or 5
-- The longest final word that is joined to the one before it.
local MAX_LAST_WORD = 12

local function ends_sentence(text)
  -- A sentence ends with . ! ? (or : before a capital), possibly followed by quotes/brackets.
  local core = text:gsub("[\"'”’)%]]+$", "")
  return core:match("[%.!?:]$") ~= nil
end

local function has_inner_hyphen(text)
  return text:match("%w[-‐]%w") ~= nil
end

local function is_capitalised(text)
  local first = text:gsub("^[\"'“‘(%[]+", "")
  return first:match("^%u") ~= nil
end

-- What a hyphenator could take for a word is never longer than a run between spaces, hyphens
-- and dashes; counting the punctuation round it too only errs towards protecting.
local WORD_BREAKS = { "%-", "\u{2010}", "\u{2013}", "\u{2014}" }

local function longest_word(text)
  for _, dash in ipairs(WORD_BREAKS) do
    text = text:gsub(dash, " ")
  end
  local longest = 0
  for word in text:gmatch("%S+") do
    longest = math.max(longest, utf8.len(word) or #word)
  end
  return longest
end

local function is_noteref(el)
  return el and el.t == "Link" and el.classes:includes("noteref")
end

local function protect(inlines)
  return pandoc.Span(inlines, pandoc.Attr("", { "no-hyphens" }))
end

-- Set by each pass of the inline walk below when it changes its list.
local list_changed = false

local function mark_words(inlines)
  -- Neighbouring protected words share one span ("People’s Republic"): a space alone between
  -- two spans is laid out as a box of its own and comes out too narrow to read as a space
  -- in the PDF's text.
  local out = pandoc.Inlines({})
  local sentence_start = true
  local run = nil -- the span being filled, while protected words follow each other
  local function protected(el)
    if el.t ~= "Str" then return false end
    local text = el.text
    local long = longest_word(text) >= MIN_PROTECTED
    return long and (has_inner_hyphen(text) or (is_capitalised(text) and not sentence_start))
  end
  local i = 1
  while i <= #inlines do
    local el = inlines[i]
    if protected(el) then
      list_changed = true
      if run and inlines[i - 1] and inlines[i - 1].t == "Space" and out[#out].t == "Space" then
        out:remove(#out)
        run.content:extend({ pandoc.Space(), el })
      else
        run = protect({ el })
        out:insert(run)
      end
    else
      if not (el.t == "Space" and run) then run = nil end
      out:insert(el)
    end
    if el.t == "Str" then sentence_start = ends_sentence(el.text) end
    i = i + 1
  end
  return out
end

local function join_days(inlines)
  -- "25 July", "c. 1961": the space between becomes a no-break space.
  local out = pandoc.Inlines({})
  local i = 1
  while i <= #inlines do
    local el, nxt, after = inlines[i], inlines[i + 1], inlines[i + 2]
    if el.t == "Str" and nxt and nxt.t == "Space" and after and after.t == "Str"
      and ((el.text:match("^%d%d?$") and is_capitalised(after.text))
        or (el.text == "c." and after.text:match("^[%d%u]"))) then
      out:insert(pandoc.Str(el.text .. NBSP))
      list_changed = true
      i = i + 2
    else
      out:insert(el)
      i = i + 1
    end
  end
  return out
end

local QUOTES = { DoubleQuote = { "“", "”" }, SingleQuote = { "‘", "’" } }

local function flatten_quotes(inlines)
  -- A quotation's marks become text (as the HTML writer prints them anyway), and neighbouring
  -- words are merged, so that the word before a note call is one Str even after a quotation.
  local flat = pandoc.Inlines({})
  for _, el in ipairs(inlines) do
    if el.t == "Quoted" then
      list_changed = true
      local marks = QUOTES[el.quotetype] or { "“", "”" }
      flat:insert(pandoc.Str(marks[1]))
      flat:extend(el.content)
      flat:insert(pandoc.Str(marks[2]))
    else
      flat:insert(el)
    end
  end
  local out = pandoc.Inlines({})
  for _, el in ipairs(flat) do
    local last = out[#out]
    if el.t == "Str" and last and last.t == "Str" then
      out[#out] = pandoc.Str(last.text .. el.text)
      list_changed = true
    else
      out:insert(el)
    end
  end
  return out
end

local CONTAINERS = { Span = true, Emph = true, Strong = true, SmallCaps = true, Link = true,
  Underline = true, Strikeout = true }

local function takes_space(el)
  -- An inline that may take a neighbouring space into its content: not a note call and not
  -- a note (a float), whose text would then carry it.
  return el and CONTAINERS[el.t] and not is_noteref(el)
    and not (el.t == "Span" and el.classes:includes("footnote"))
end

local function bind_note_calls(inlines)
  -- A call never starts a line: a word joiner ties it to what comes before it (a word, or
  -- the last word of an italic title or a name's span), and nothing more is bound. (A
  -- nowrap span round the word and its call made one inline box of them, and WeasyPrint 70
  -- strands a line's first word when the run before such a box ends in a space.) The note
  -- itself, a footnote float after the call, is left as it is.
  local out = pandoc.Inlines({})
  for _, el in ipairs(inlines) do
    local last = out[#out]
    if is_noteref(el) and last and last.t == "Str" then
      out[#out] = pandoc.Str(last.text .. WJ)
      list_changed = true
    elseif is_noteref(el) and last and takes_space(last) then
      last.content:insert(pandoc.Str(WJ))
      list_changed = true
    end
    out:insert(el)
  end
  return out
end

local function attach_spaces(inlines)
  -- A space before an element goes into it, as its leading space, for two faults of
  -- WeasyPrint 70's line breaking:
  --   * a space alone between two elements ("</em> <span>") is laid out as a box of its own
  --     that is never drawn: the PDF's text would read "PaperNo." when copied or searched;
  --     failing an element after it that can take it, it goes into the one before it;
  --   * a run of text that ends in a space before an element ("outside the <span>") and
  --     fits its line only without that space is taken for one that cannot be broken at
  --     all, and its first word is set on a line of its own ("by virtue / of / its"). With
  --     the space in the element the run ends in a letter, and the line breaks where it
  --     should. A no-break space that ends a run before an element ("of 27 <span>January")
  --     goes into it the same way.
  local out = pandoc.Inlines({})
  local i = 1
  while i <= #inlines do
    local el, before, after = inlines[i], inlines[i - 1], inlines[i + 1]
    if el.t == "Str" and #el.text > #NBSP and el.text:sub(-#NBSP) == NBSP
      and takes_space(after) then
      list_changed = true
      el = pandoc.Str(el.text:sub(1, -#NBSP - 1))
      after.content:insert(1, pandoc.Str(NBSP))
    end
    local space = el.t == "Space" or el.t == "SoftBreak"
    local lone = space and before and after and before.t ~= "Str" and after.t ~= "Str"
    local trailing = space and before and before.t == "Str" and takes_space(after)
    if lone or trailing then list_changed = true end
    if (lone or trailing) and takes_space(after) then
      after.content:insert(1, pandoc.Space())
    elseif lone and takes_space(before) then
      out[#out].content:insert(pandoc.Space())
    else
      out:insert(el)
    end
    i = i + 1
  end
  return out
end

local function visible_length(inlines, from)
  local n = 0
  for i = from, #inlines do
    local el = inlines[i]
    if not (el.t == "Span" and el.classes:includes("footnote")) and not is_noteref(el) then
      n = n + utf8.len(pandoc.utils.stringify(el))
    end
  end
  return n
end

local function tie_last_words(para)
  -- The last space of the paragraph becomes a no-break space when what follows it is short;
  -- it may be inside a span of protected words ("the Soviet Union.").
  local content = para.content
  local changed = false
  for i = #content, 1, -1 do
    local el = content[i]
    if el.t == "Space" or el.t == "SoftBreak" then
      -- Only between two plain words: WeasyPrint 70 misplaces line breaks when a no-break
      -- space meets the edge of an inline element (lines of one word each).
      local nxt = content[i + 1]
      if nxt and nxt.t == "Str" and visible_length(content, i + 1) <= MAX_LAST_WORD then
        content[i] = pandoc.Str(NBSP)
        changed = true
      end
      break
    end
    if el.t == "Span" and el.classes:includes("no-hyphens") and #el.content > 1 then
      local inner = el.content
      local last = inner[#inner - 1]
      -- Not the span's leading space (attach_spaces'): tied, it would bind the span to the
      -- word before it.
      if last.t == "Space" and #inner > 2 and visible_length(content, i + 1) == 0
        and utf8.len(pandoc.utils.stringify(inner[#inner])) <= MAX_LAST_WORD then
        inner[#inner - 1] = pandoc.Str(NBSP)
        el.content = inner
        content[i] = el
        changed = true
      end
      break
    end
    if takes_space(el) and el.content[1] and el.content[1].t == "Space" then
      -- The last space is an element's leading one (attach_spaces): between a word and an
      -- element, it is left as it is.
      break
    end
  end
  if not changed then return nil end
  para.content = content
  return para
end

local function join_display(block)
  -- Display type breaks neither a number range nor a hyphenated compound.
  return block:walk({
    Str = function(str)
      local text = str.text
      for _, dash in ipairs({ "–", "-" }) do
        text = text:gsub("(%d)" .. dash .. "(%d)", "%1" .. WJ .. dash .. WJ .. "%2")
      end
      text = text:gsub("(%a)%-(%a)", "%1-" .. WJ .. "%2")
      return pandoc.Str(text)
    end,
  })
end

local function join_compound(str)
  -- A compound is never broken at its own hyphen in running text either: a line that ends
  -- in a hyphen is one the text layer joins up (the stylesheet's hyphenate-character is
  -- U+002D, which poppler and pdf.js drop at a line end), so "Sino-" "Soviet" would be
  -- searched and read aloud as "SinoSoviet". A word joiner after the hyphen forbids the break.
  local text = str.text
  if not text:find("[-\u{2010}]") then return nil end
  text = text:gsub("(%w)%-%f[%w]", "%1-" .. WJ):gsub("(%w)\u{2010}%f[%w]", "%1\u{2010}" .. WJ)
  return pandoc.Str(text)
end

local function subtitle(div)
  if div.classes:includes("subtitle") then return join_display(div) end
end

-- An ordered list keeps its numbering in print: WeasyPrint reads neither the start nor the
-- type attribute Pandoc writes, and no HTML attribute says "(2)" or "9)". So the list is
-- written with its own tags around its items' blocks (which stay Pandoc's, for every other
-- filter): its first number as a counter-reset, its style and delimiter as classes that
-- print.css gives a ::marker.
local LIST_STYLES = { Decimal = "decimal", Example = "decimal", DefaultStyle = "decimal",
  LowerRoman = "lower-roman", UpperRoman = "upper-roman", LowerAlpha = "lower-alpha",
  UpperAlpha = "upper-alpha" }
local DELIMITERS = { OneParen = "one-paren", TwoParens = "two-parens", Period = "period",
  DefaultDelim = "period" }

local function ordered_list(list)
  local style = LIST_STYLES[list.listAttributes.style] or "decimal"
  local delim = DELIMITERS[list.listAttributes.delimiter] or "period"
  local start = math.tointeger(list.listAttributes.start) or 1
  local blocks = pandoc.Blocks({ pandoc.RawBlock("html", '<ol class="numbered ' .. style
    .. " " .. delim .. '" style="counter-reset: list-item ' .. (start - 1) .. '">') })
  for _, item in ipairs(list.content) do
    blocks:insert(pandoc.RawBlock("html", "<li>"))
    blocks:extend(item)
    blocks:insert(pandoc.RawBlock("html", "</li>"))
  end
  blocks:insert(pandoc.RawBlock("html", "</ol>"))
  return blocks
end

-- One walk over the inlines does all of the above in order (each walk costs the whole
-- document's conversion to Lua and back), then one over the blocks. A list (or paragraph)
-- that nothing changed is not returned: Pandoc keeps its own, instead of reading back one
-- rebuilt from Lua (a third of the filter's time on a reading).
return {
  { Inlines = function(inlines)
      list_changed = false
      local out = attach_spaces(bind_note_calls(mark_words(join_days(flatten_quotes(inlines)))))
      if list_changed then return out end
      return nil
    end },
  { Str = join_compound, Para = tie_last_words, Header = join_display, Div = subtitle,
    OrderedList = ordered_list },
}
