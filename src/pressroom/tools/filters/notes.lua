-- Pressroom notes filter: gives every footnote a stable, per-reading identity and links it
-- both ways, so that notes can be cited from appendices and survive EPUB chapter splitting.
--
-- For print HTML (FORMAT html*) a note stays where it is called, as an inline element that the
-- print stylesheet floats to the foot of the page. For EPUB (FORMAT epub*) the notes of a
-- reading are gathered after it in a section headed "Notes", each an
-- <aside epub:type="footnote" role="doc-footnote"> with a backlink, which reading systems show
-- as pop-up notes. Pandoc has no block that writes <aside>, so the section, its heading and
-- each aside's tags are raw HTML blocks around the note's own (Pandoc) blocks; Pandoc's EPUB
-- writer reads the ids in raw HTML, so links from other chapters still find the notes.
-- Metadata `pressroom-citations` maps "reading-id" -> "note number" -> list of {id, label}
-- entries that cite the note; each note links back to them ("See App. A, 16 Apr. 1960; ...").
-- Finally every internal link is checked: a link to a missing id stops the build. A document
-- that is one unit of the edition (`pressroom-unit`: the print body, converted unit by
-- unit) cannot see the others' ids: its ids and links are checked once the units are
-- joined (printing/html.py), and only what a link may point to is checked here.

local stringify = pandoc.utils.stringify
local is_epub = false
-- The output the filter works for: the writer's, or `pressroom-target` when the EPUB's
-- units are filtered on their own, to JSON, before one EPUB is written of them.
local function epub_target(meta)
  return FORMAT:match("epub") ~= nil
    or pandoc.utils.stringify(meta["pressroom-target"] or "") == "epub"
end

local citations = {}
-- Metadata `pressroom-note-numbers` maps "reading-id" -> the numbers its notes print as, in
-- the order they are called: the source's own labels where they are numbers ([^2], [^3] in
-- an excerpt that starts at note 2), else 1, 2, 3 (see sources/notes.py).
local note_numbers = {}
-- Ids written in raw HTML (EPUB notes and their section): check_links counts them too.
local raw_ids = {}

local function read_note_numbers(meta)
  for reading, numbers in pairs(meta["pressroom-note-numbers"] or {}) do
    local list = {}
    for _, number in ipairs(numbers) do table.insert(list, stringify(number)) end
    note_numbers[reading] = list
  end
end

local function read_citations(meta)
  local raw = meta["pressroom-citations"]
  if not raw then return end
  for reading, notes in pairs(raw) do
    citations[reading] = {}
    for number, entries in pairs(notes) do
      local list = {}
      for _, entry in ipairs(entries) do
        table.insert(list, { id = stringify(entry.id), label = stringify(entry.label) })
      end
      citations[reading][tostring(number)] = list
    end
  end
end

local function note_inlines(blocks)
  local out = pandoc.Inlines({})
  for i, block in ipairs(blocks) do
    if i > 1 then out:insert(pandoc.LineBreak()) end
    if block.content and (block.t == "Para" or block.t == "Plain") then
      out:extend(block.content)
    else
      out:extend(pandoc.utils.blocks_to_inlines({ block }))
    end
  end
  return out
end

local function cited_by(reading, number)
  local entries = (citations[reading] or {})[tostring(number)]
  if not entries or #entries == 0 then return nil end
  -- "[See App. A, 16 Apr. 1960; App. B, Hudson et al. 1961.]": in square brackets, as an
  -- editor's addition to a note is, so that no reader takes it for the author's. The print
  -- stylesheet adds each entry's page number after its link; the EPUB has links and no
  -- page numbers.
  local out = pandoc.Inlines({ pandoc.Str("[See"), pandoc.Space() })
  for i, entry in ipairs(entries) do
    if i > 1 then out:extend({ pandoc.Str(";"), pandoc.Space() }) end
    out:insert(pandoc.Link(entry.label, "#" .. entry.id, "",
      pandoc.Attr("", { "entry-xref" }, {})))
  end
  out:insert(pandoc.Str(".]"))
  return pandoc.Span(out, pandoc.Attr("", { "note-citedby" }, {}))
end

local function call_link(reading, number)
  -- Attributes as ordered pairs: a Lua table with string keys has no stable order, and the
  -- output must be byte-reproducible.
  local attrs = { { "role", "doc-noteref" } }
  if is_epub then table.insert(attrs, { "epub:type", "noteref" }) end
  return pandoc.Link({ pandoc.Str(tostring(number)) }, "#" .. reading .. "-note-" .. number,
    "", pandoc.Attr(reading .. "-noteref-" .. number, { "noteref" }, attrs))
end

local function back_link(reading, number)
  return pandoc.Link({ pandoc.Str(tostring(number) .. ".") },
    "#" .. reading .. "-noteref-" .. number, "",
    pandoc.Attr("", { "note-back" }, { { "role", "doc-backlink" },
      { "aria-label", "Back to note call " .. number } }))
end

local function print_note(reading, number, note)
  local content = pandoc.Inlines({ back_link(reading, number), pandoc.Space() })
  content:extend(note_inlines(note.content))
  local back = cited_by(reading, number)
  if back then content:extend({ pandoc.Space(), back }) end
  return pandoc.Span(content, pandoc.Attr(reading .. "-note-" .. number, { "footnote" },
    { { "role", "doc-footnote" } }))
end

local function html_escape(text)
  return (text:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"))
end

local function raw(html)
  return pandoc.RawBlock("html", html)
end

local function epub_note(reading, number, note)
  local id = reading .. "-note-" .. number
  raw_ids[id] = (raw_ids[id] or 0) + 1
  local blocks = pandoc.Blocks({
    raw('<aside id="' .. html_escape(id) .. '" class="footnote" epub:type="footnote" '
      .. 'role="doc-footnote">'),
  })
  for _, block in ipairs(note.content) do blocks:insert(block) end
  local first = blocks[2]
  local lead = pandoc.Inlines({ back_link(reading, number), pandoc.Space() })
  if first and (first.t == "Para" or first.t == "Plain") then
    lead:extend(first.content)
    blocks[2] = pandoc.Para(lead)
  else
    blocks:insert(2, pandoc.Para(lead))
  end
  local back = cited_by(reading, number)
  if back then blocks:insert(pandoc.Para({ back })) end
  blocks:insert(raw("</aside>"))
  return blocks
end

-- The edition's language: the "Notes" heading is the editors' word, marked as theirs in a
-- reading in another language.
local edition_lang = nil

local function notes_section(reading, gathered, level, reading_lang)
  -- The heading is raw too: a Pandoc Header would open a section of its own that the raw
  -- closing tag could not close.
  local section, heading = reading .. "-notes", reading .. "-notes-heading"
  for _, id in ipairs({ section, heading }) do raw_ids[id] = (raw_ids[id] or 0) + 1 end
  local blocks = pandoc.Blocks({
    raw('<section id="' .. html_escape(section) .. '" class="footnotes" epub:type="endnotes" '
      .. 'role="doc-endnotes" aria-labelledby="' .. html_escape(heading) .. '">'),
    -- One level below the reading's own heading (an h3 under a reading that is in a part).
    raw('<h' .. (level + 1) .. ' id="' .. html_escape(heading) .. '" class="notes-heading"'
      .. ((reading_lang and edition_lang and reading_lang ~= edition_lang)
        and (' lang="' .. html_escape(edition_lang) .. '" xml:lang="' .. html_escape(edition_lang) .. '"')
        or "")
      .. '>Notes</h' .. (level + 1) .. '>'),
  })
  blocks:extend(gathered)
  blocks:insert(raw("</section>"))
  return blocks
end

local function number_notes(doc)
  local out = pandoc.Blocks({})
  -- A reading starts at a header of class "reading" (level 1, or 2 inside a part) and ends
  -- at the next header of its level or above.
  local reading, level, count, gathered = nil, 1, 0, pandoc.Blocks({})
  local reading_lang = nil
  local function flush()
    if is_epub and reading and #gathered > 0 then
      out:extend(notes_section(reading, gathered, level, reading_lang))
    end
    gathered = pandoc.Blocks({})
  end
  for _, block in ipairs(doc.blocks) do
    local starts = block.t == "Header" and block.classes:includes("reading")
    if starts or (block.t == "Header" and (block.level == 1 or (reading and block.level <= level))) then
      flush()
      if starts then
        reading, level, count = block.identifier, block.level, 0
        reading_lang = block.attributes["lang"]
      else
        reading = nil
      end
    end
    if reading then
      block = pandoc.walk_block(block, {
        Note = function(note)
          count = count + 1
          -- A note the source did not number (one citeproc made for a note style) takes
          -- its place in the count.
          local number = (note_numbers[reading] or {})[count] or tostring(count)
          if is_epub then
            gathered:extend(epub_note(reading, number, note))
            return call_link(reading, number)
          end
          return pandoc.Inlines({ call_link(reading, number), print_note(reading, number, note) })
        end,
      })
    end
    out:insert(block)
  end
  flush()
  doc.blocks = out
  return doc
end

local function check_links(doc, whole)
  local ids, missing, duplicate = {}, {}, nil
  for id, count in pairs(raw_ids) do
    if count > 1 then duplicate = duplicate or id end
    ids[id] = true
  end
  local function note_id(el)
    if el.identifier and el.identifier ~= "" then
      if ids[el.identifier] then duplicate = duplicate or el.identifier end
      ids[el.identifier] = true
    end
  end
  local refused, targets = nil, {}
  -- One walk for the ids and the links (a walk of a reader of twenty readings costs about
  -- half a second); the links are checked once every id is known.
  doc:walk({ Header = note_id, Div = note_id, Span = note_id, Image = note_id,
    CodeBlock = note_id, Code = note_id, Figure = note_id, Table = note_id,
    Link = function(link)
      note_id(link)
      local target = link.target:match("^#(.+)$")
      if target then
        table.insert(targets, target)
      elseif not (link.target:match("^https?://") or link.target:match("^mailto:")) then
        -- javascript:, data:, file: and relative paths have no place in a reading edition.
        refused = refused or link.target
      end
    end,
  })
  if duplicate and whole then
    error("duplicate id #" .. duplicate .. " (links to it would be ambiguous)")
  end
  if whole then
    for _, target in ipairs(targets) do
      if not ids[target] then table.insert(missing, target) end
    end
  end
  if refused then
    error("link to unsupported target " .. refused .. " (use http(s), mailto or #id)")
  end
  if #missing > 0 then
    error("dangling internal link: #" .. missing[1] .. " (no element has that id)"
      .. (#missing > 1 and (" and " .. (#missing - 1) .. " more") or ""))
  end
end

-- What a contributor's Markdown may not carry: event-handler attributes (script) and style
-- attributes (CSS that could fetch URLs) on any element, and images from anywhere but a
-- relative path inside the project, a data: URL, or a file the load-time image check
-- accepted and listed in the metadata (`pressroom-images`).
local function check_untrusted(doc)
  local problem = nil
  local accepted = {}
  local function decode(url)
    return (url:gsub("%%(%x%x)", function(hex) return string.char(tonumber(hex, 16)) end))
  end
  for _, item in ipairs(doc.meta["pressroom-images"] or {}) do
    accepted[decode(stringify(item))] = true
  end
  local function attributes(el)
    for key, _ in pairs(el.attributes or {}) do
      local name = key:lower()
      if name:match("^on") or name == "style" or name == "srcset" then
        problem = problem or ("attribute " .. key .. " is not allowed (no scripts or styles "
          .. "in the text; use a class)")
      end
    end
  end
  local function image(img)
    attributes(img)
    local src = img.src
    local relative = not src:match("^[%a][%w+.-]*:") and not src:match("^/")
    local escapes = ("/" .. src .. "/"):match("/%.%./") ~= nil
    if not (accepted[decode(src)] or src:match("^data:") or (relative and not escapes)) then
      problem = problem or ("image " .. src .. " is not a file in the project "
        .. "(give a relative path inside the project)")
    end
  end
  doc:walk({ Span = attributes, Div = attributes, Link = attributes, Header = attributes,
    Code = attributes, CodeBlock = attributes, Table = attributes, Figure = attributes,
    Image = image })
  if problem then error(problem) end
end

function Pandoc(doc)
  is_epub = epub_target(doc.meta)
  check_untrusted(doc)
  read_citations(doc.meta)
  read_note_numbers(doc.meta)
  edition_lang = doc.meta.lang and stringify(doc.meta.lang) or nil
  doc = number_notes(doc)
  check_links(doc, doc.meta["pressroom-unit"] == nil)
  return doc
end
