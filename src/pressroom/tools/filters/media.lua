-- Pressroom media filter: figures, the EPUB's image files, and tables that scroll on a phone.
--
-- Images in readings were checked at load time (pressroom/images.py): their files lie inside
-- the content folder, and their URLs are listed in the metadata `pressroom-images`.
--
-- * A paragraph that holds one such image and nothing else becomes a figure whose caption is
--   the alt text, as Pandoc's implicit_figures would make it (the reader leaves that extension
--   off so that generated Markdown, such as the timeline plate, keeps its own layout).
-- * For EPUB, Pandoc runs sandboxed and reads no image itself; this filter reads the listed
--   files, and only those, into Pandoc's media bag. Any other image is left to the sandbox,
--   which refuses it.
-- * For EPUB, a table is wrapped in a focusable region that scrolls sideways on a narrow
--   screen instead of overflowing the page; one without a caption is named by its place in
--   the volume ("Table 3"), counted from `pressroom-tables-before` in a unit of the EPUB's
--   document filtered on its own (epub/units.py).

local stringify = pandoc.utils.stringify
local is_epub = false
-- The output the filter works for: the writer's, or `pressroom-target` when the EPUB's
-- units are filtered on their own, to JSON, before one EPUB is written of them.
local function epub_target(meta)
  return FORMAT:match("epub") ~= nil
    or pandoc.utils.stringify(meta["pressroom-target"] or "") == "epub"
end

local allowed = {}

local function decode(url)
  return (url:gsub("%%(%x%x)", function(hex) return string.char(tonumber(hex, 16)) end))
end

local function read_allowed(meta)
  local list = meta["pressroom-images"]
  if not list then return end
  for _, item in ipairs(list) do allowed[decode(stringify(item))] = true end
end

local media_types = { png = "image/png", jpg = "image/jpeg", jpeg = "image/jpeg",
  svg = "image/svg+xml" }

local function is_ours(img)
  return allowed[decode(img.src)] == true
end

-- The type a raster file's bytes say, whatever its name: a PNG saved as .jpg is listed as
-- image/png, which EPUB reading systems (and EPUBCheck) compare with the bytes.
local function sniffed(data)
  if data:sub(1, 8) == "\137PNG\r\n\26\n" then return "png" end
  if data:sub(1, 3) == "\255\216\255" then return "jpg" end
  return nil
end

-- The file an image names, read into Pandoc's media bag under a name of its bytes; the name.
local function embedded(src)
  local path = decode(src):gsub("^file://", "")
  local file = io.open(path, "rb")
  if not file then error("cannot read image " .. path) end
  local data = file:read("a")
  file:close()
  local ext = sniffed(data) or path:match("%.(%w+)$"):lower()
  local name = "images/" .. pandoc.utils.sha1(data) .. "." .. ext
  pandoc.mediabag.insert(name, media_types[ext], data)
  return name
end

local function embed(img)
  img.src = embedded(img.src)
  return img
end

local function figure(para)
  if #para.content ~= 1 or para.content[1].t ~= "Image" then return nil end
  local img = para.content[1]
  if not is_ours(img) then return nil end
  return pandoc.Figure({ pandoc.Plain({ img }) }, { pandoc.Plain(img.caption) })
end

local count = 0

local function scrolling(tbl)
  count = count + 1
  local label = stringify(tbl.caption.long)
  if label == "" then label = "Table " .. count end
  return pandoc.Div({ tbl }, pandoc.Attr("", { "table-scroll" },
    { { "role", "region" }, { "tabindex", "0" }, { "aria-label", label } }))
end

function Pandoc(doc)
  if doc.meta["pressroom-embed-only"] then
    -- The EPUB written from units this filter has run on (epub/units.py): their images
    -- already name their media-bag entries, which a JSON document does not carry, so the
    -- listed files are read in again; the document itself is not walked.
    for _, item in ipairs(doc.meta["pressroom-images"] or {}) do embedded(stringify(item)) end
    return nil
  end
  is_epub = epub_target(doc.meta)
  count = tonumber(pandoc.utils.stringify(doc.meta["pressroom-tables-before"] or "0")) or 0
  read_allowed(doc.meta)
  doc = doc:walk({ Para = figure })
  if is_epub then
    doc = doc:walk({
      Image = function(img) if is_ours(img) then return embed(img) end end,
      Table = scrolling,
    })
  end
  return doc
end
