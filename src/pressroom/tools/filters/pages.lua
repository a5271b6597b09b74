-- Pressroom page filter: the identities that let the print edition's pages be found in the
-- EPUB without searching its text.
--
-- Every paragraph, plain block and heading gets an empty anchor span with a sequential id
-- as its first inline, numbered within its unit: the document's units (its readings,
-- appendices and parts) start at the top-level headings the metadata names
-- (`pressroom-units`, or `pressroom-unit` for a document that is one unit), and an anchor
-- is named for its unit ("pm-reading-12-5"; before the first unit, "pm-5"). The print body
-- is converted unit by unit (printing/html.py) and the EPUB whole: the ids agree, and an
-- edit to one reading leaves every other reading's ids as they were. The print HTML and the EPUB are written from the same
-- document, so the ids are the same in both. After layout, the page map records for each
-- print page the anchor of the block its first line belongs to and how many visible
-- characters of that block came before the page (pdf.page_map). When the metadata carries
-- that map (`pressroom-pagemap`), this filter puts an EPUB page-break marker at exactly that
-- place: before the word in which the count is reached.
--
-- Characters are counted as the layout sees them: every code point that is not white space
-- (nor a mark that only steers line breaking: word joiner, soft hyphen),
-- quotation marks that Pandoc's smart extension made into Quoted elements included, the
-- contents of notes and images excluded (notes float to the foot of the page; an image has
-- no text line). Which code points are not counted, and the anchors' prefix, are defined
-- once in pressroom/printing/pagemap.py and come in the metadata
-- (`pressroom-spaces`, `pressroom-anchor-prefix`).

local is_epub = false
-- The output the filter works for: the writer's, or `pressroom-target` when the EPUB's
-- units are filtered on their own, to JSON, before one EPUB is written of them.
local function epub_target(meta)
  return FORMAT:match("epub") ~= nil
    or pandoc.utils.stringify(meta["pressroom-target"] or "") == "epub"
end

local SPACES = {}
local PREFIX = nil
local UNITS = {}

local function read_rule(meta)
  local prefix, spaces = meta["pressroom-anchor-prefix"], meta["pressroom-spaces"]
  if not prefix or not spaces then
    error("the pages filter needs pressroom-anchor-prefix and pressroom-spaces in the metadata")
  end
  PREFIX = pandoc.utils.stringify(prefix)
  for _, unit in ipairs(meta["pressroom-units"] or {}) do
    UNITS[pandoc.utils.stringify(unit)] = true
  end
  local one = meta["pressroom-unit"] and pandoc.utils.stringify(meta["pressroom-unit"]) or ""
  if one ~= "" then UNITS[one] = true end
  for cp in pandoc.utils.stringify(spaces):gmatch("%d+") do SPACES[tonumber(cp)] = true end
end

local function visible_length(text)
  local n = 0
  for _, cp in utf8.codes(text) do
    if not SPACES[cp] then n = n + 1 end
  end
  return n
end

-- page map: anchor id -> list of {page, offset}, in page order
local wanted = {}

local function read_map(meta)
  local raw = meta["pressroom-pagemap"]
  if not raw then return end
  for _, entry in ipairs(raw) do
    local block = pandoc.utils.stringify(entry.block)
    local list = wanted[block] or {}
    table.insert(list, {
      page = tonumber(pandoc.utils.stringify(entry.page)),
      offset = tonumber(pandoc.utils.stringify(entry.offset)),
    })
    wanted[block] = list
  end
end

local function marker(page)
  return pandoc.RawInline("html", '<span epub:type="pagebreak" role="doc-pagebreak" id="page-'
    .. page .. '" aria-label="Page ' .. page .. '"></span>')
end

local CONTAINERS = {
  Emph = true, Strong = true, Span = true, Link = true, SmallCaps = true, Strikeout = true,
  Superscript = true, Subscript = true, Underline = true, Quoted = true,
}

-- Walk inlines, counting visible characters; put each pending marker before the inline in
-- which its offset is reached. `state` = { count, pending (sorted), next }.
local function place(inlines, state)
  local out = pandoc.Inlines({})
  for _, el in ipairs(inlines) do
    local t = el.t
    if t == "Note" or t == "Image" then
      out:insert(el)
    else
      local own = 0
      if t == "Str" then own = visible_length(el.text)
      elseif t == "Code" then own = visible_length(el.text)
      end
      -- a Quoted element prints an opening mark before its content
      local before = (t == "Quoted") and 1 or 0
      while state.next <= #state.pending
        and state.pending[state.next].offset < state.count + own + before
        and state.pending[state.next].offset >= 0 do
        out:insert(marker(state.pending[state.next].page))
        state.next = state.next + 1
      end
      if CONTAINERS[t] then
        state.count = state.count + before
        el.content = place(el.content, state)
        if t == "Quoted" then state.count = state.count + 1 end
        out:insert(el)
      else
        state.count = state.count + own
        out:insert(el)
      end
    end
  end
  return out
end

local counter = 0
-- The prefix of the current unit's anchors.
local unit = nil

local function pending_for(id)
  local pending = is_epub and wanted[id] or nil
  if pending then table.sort(pending, function(a, b) return a.page < b.page end) end
  return pending
end

local function anchored(block)
  counter = counter + 1
  local id = unit .. counter
  local inlines = pandoc.Inlines({ pandoc.Span({}, pandoc.Attr(id)) })
  local pending = pending_for(id)
  if pending then
    local state = { count = 0, pending = pending, next = 1 }
    local content = place(block.content, state)
    -- offsets beyond the text (a page that begins after the block's last character)
    while state.next <= #pending do
      content:insert(marker(pending[state.next].page))
      state.next = state.next + 1
    end
    inlines:extend(content)
  else
    inlines:extend(block.content)
  end
  block.content = inlines
  return block
end

-- A heading is numbered like any block, but in the EPUB it carries no anchor: Pandoc copies
-- a heading's inlines into the navigation document, where an empty span is not allowed. A
-- page that begins with a heading gets its marker right after the heading instead, in the
-- same chapter.
local function marker_block(pending)
  local markers = {}
  for _, entry in ipairs(pending) do
    table.insert(markers, '<div epub:type="pagebreak" role="doc-pagebreak" id="page-'
      .. entry.page .. '" aria-label="Page ' .. entry.page .. '"></div>')
  end
  return pandoc.RawBlock("html", table.concat(markers))
end

local function heading(block)
  if not is_epub then return { anchored(block) } end
  counter = counter + 1
  local pending = pending_for(unit .. counter)
  if not pending then return { block } end
  return { block, marker_block(pending) }
end

-- A PDF reading's placeholder for one of its source pages: the page map names the page it
-- fills by the placeholder's own id (it has no text line), and the EPUB's marker goes there,
-- before that page's text.
local function source_page(block)
  local pending = block.identifier ~= "" and pending_for(block.identifier) or nil
  if pending then block.content:insert(1, marker_block(pending)) end
  return block
end

-- A block without text of its own (a lone image) has no line for a page to begin with. A
-- scan that stops at the first word: walking every block's inlines cost seconds in a
-- reader of twenty readings.
local function has_text(inlines)
  for _, el in ipairs(inlines) do
    local t = el.t
    if t == "Str" or t == "Code" then return true end
    if t ~= "Note" and t ~= "Image" and CONTAINERS[t] or t == "Cite" then
      if has_text(el.content) then return true end
    end
  end
  return false
end

local function walk(blocks, top)
  local out = pandoc.Blocks({})
  for _, block in ipairs(blocks) do
    local t = block.t
    if top and t == "Header" and UNITS[block.identifier] then
      unit, counter = PREFIX .. block.identifier .. "-", 0
    end
    if (t == "Para" or t == "Plain") and not has_text(block.content) then
      out:insert(block)
    elseif t == "Para" or t == "Plain" then
      out:insert(anchored(block))
    elseif t == "Header" then
      out:extend(heading(block))
    elseif t == "Div" and block.classes:includes("source-page") then
      out:insert(source_page(block))
    else
      if t == "BlockQuote" or t == "Div" or t == "Figure" then
        block.content = walk(block.content)
      elseif t == "BulletList" or t == "OrderedList" then
        for i, item in ipairs(block.content) do block.content[i] = walk(item) end
      elseif t == "DefinitionList" then
        for _, item in ipairs(block.content) do
          for k, definition in ipairs(item[2]) do item[2][k] = walk(definition) end
        end
      end
      out:insert(block)
    end
  end
  return out
end

function Pandoc(doc)
  is_epub = epub_target(doc.meta)
  read_rule(doc.meta)
  read_map(doc.meta)
  unit = PREFIX
  doc.blocks = walk(doc.blocks, true)
  return doc
end
