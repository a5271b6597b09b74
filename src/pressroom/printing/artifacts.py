"""Running heads and folios marked as pagination artifacts in a tagged PDF WeasyPrint wrote.

WeasyPrint tags the content of the page-margin boxes (running heads, folios) with marked
content and structure elements, but links those elements to no parent: a PDF 1.7 has no
place for them in the tree (pdf/tags.py says so). So a screen reader meets text that no
structure reaches, and a PDF/UA check finds one or two unreachable marked-content
sequences on every page. PDF/UA wants pagination marked as an artifact instead: this
rewrites exactly those sequences (the MCIDs whose structure element the tree does not reach)
as ``/Artifact <</Type /Pagination>>`` and empties their entries in the parent tree.
"""

from __future__ import annotations

from io import BytesIO

import pikepdf


def _reachable(root: pikepdf.Dictionary) -> set[tuple[int, int]]:
    """The structure elements the tree reaches from its root (by object id)."""
    seen: set[tuple[int, int]] = set()
    stack = [root.get("/K")]
    while stack:
        item = stack.pop()
        if not isinstance(item, pikepdf.Object):  # an MCID, or nothing
            continue
        if item.is_indirect:
            if item.objgen in seen:
                continue
            seen.add(item.objgen)
        if isinstance(item, pikepdf.Array):
            stack.extend(item)
        elif isinstance(item, pikepdf.Dictionary) and "/K" in item:
            stack.append(item.K)
    return seen


def _parent_tree(node: pikepdf.Dictionary) -> dict[int, pikepdf.Array]:
    """The parent tree's page entries (number -> its array of elements, by MCID)."""
    found: dict[int, pikepdf.Array] = {}
    stack = [node]
    while stack:
        node = stack.pop()
        nums = node.get("/Nums", pikepdf.Array())
        for i in range(0, len(nums) - 1, 2):
            if isinstance(nums[i + 1], pikepdf.Array):
                found[int(nums[i])] = nums[i + 1]
        stack.extend(node.get("/Kids", pikepdf.Array()))
    return found


def mark_pagination_artifacts(data: bytes) -> bytes:
    """The PDF with every marked-content sequence that no reachable structure element owns
    marked as a pagination artifact; a PDF with no structure tree, or none to mark, is
    returned as it was. The bytes depend on the input only (qpdf's deterministic /ID)."""
    with pikepdf.open(BytesIO(data)) as pdf:
        tree_root = pdf.Root.get("/StructTreeRoot")
        if tree_root is None:
            return data
        reachable = _reachable(tree_root)
        parents = _parent_tree(tree_root.ParentTree)
        changed = False
        for page in pdf.pages:
            entries = parents.get(int(page.obj.get("/StructParents", -1)))
            if entries is None:
                continue
            lost = {mcid for mcid, ref in enumerate(entries)
                    if isinstance(ref, pikepdf.Object) and ref.is_indirect
                    and ref.objgen not in reachable}
            if not lost:
                continue
            commands = []
            for operands, operator in pikepdf.parse_content_stream(page):
                if (str(operator) == "BDC" and len(operands) == 2
                        and isinstance(operands[1], pikepdf.Dictionary)
                        and int(operands[1].get("/MCID", -1)) in lost):
                    operands = [pikepdf.Name.Artifact,
                                pikepdf.Dictionary(Type=pikepdf.Name.Pagination)]
                commands.append((operands, operator))
            page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(commands))
            for mcid in lost:
                entries[mcid] = None
            changed = True
        if not changed:
            return data
        out = BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return out.getvalue()
