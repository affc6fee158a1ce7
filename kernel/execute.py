"""Executes one notebook headless through a Jupyter kernel, and exports it; called by
kernel/run-notebooks.ts in two steps, with the figure PNGs added in between (kernel/figure-png.ts).

Jupyter's execution client, signing and HTML export are Python (nbclient, nbformat, nbconvert), so
this is the one Python piece of the runner.

  execute.py execute IN.ipynb OUT.ipynb --kernel tslab --timeout SECONDS --cwd DIR
      executes every cell and writes the executed notebook (unsigned) to OUT; on failure reports which
      cell failed and the error text the kernel printed (tslab reports errors on stderr rather than as
      an `error` message, which `jupyter nbconvert` drops). Prints one JSON line on stdout:
      {"ok": true, "cells": N} or {"ok": false, "cell": I, "source": "...", "error": "..."}.
  execute.py export IN.ipynb OUT.ipynb OUT.html [--sign]
      writes IN (normalised by nbformat) to OUT, signed as trusted with --sign (so its figures draw
      when opened), and exports HTML with the offline template in kernel/nbconvert-templates.
      Prints {"ok": true}.

Files are written atomically.
"""
import argparse
import json
import os
import sys
import tempfile

import nbformat

# nbclient is imported by `execute` only and nbconvert by `export` only: each step is its own process.

HERE = os.path.dirname(os.path.abspath(__file__))


def write_atomic(path, text):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def cell_error_text(cell):
    """What the kernel printed on stderr (and any `error` output) in this cell."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts.append("%s: %s\n%s" % (out.get("ename"), out.get("evalue"), "\n".join(out.get("traceback", []))))
    return "".join(parts).strip()


def execute(args):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(args.input, as_version=4)
    state = {}

    def on_cell_start(cell, cell_index):
        state["current"] = cell_index

    def on_cell_error(cell, cell_index, execute_reply):
        state.setdefault("failed", cell_index)

    client = NotebookClient(
        nb,
        timeout=args.timeout,
        kernel_name=args.kernel,
        resources={"metadata": {"path": args.cwd or os.path.dirname(os.path.abspath(args.input))}},
        record_timing=False,  # timestamps would make re-executed notebooks differ
        # Live widgets (fd.cSliderPanel) need a kernel; their state saved in the notebook would make
        # the HTML export load a widget renderer from a CDN. Exports show the static fallback instead.
        store_widget_state=False,
        on_cell_start=on_cell_start,
        on_cell_error=on_cell_error,
    )
    result = {"ok": True}
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        # An error reply names its cell; a timeout or a dead kernel happened in the running cell.
        index = state.get("failed", state.get("current", -1))
        cell = nb.cells[index] if 0 <= index < len(nb.cells) else {"source": "", "outputs": []}
        text = cell_error_text(cell)
        if isinstance(e, (CellTimeoutError, DeadKernelError)) or not text:
            text = (text + "\n" + str(e)).strip()
        result = {"ok": False, "cell": index, "source": cell.get("source", ""), "error": text, "kind": type(e).__name__}

    # Keep a copy of the (partially) executed notebook either way: it shows where things went wrong.
    write_atomic(args.output, nbformat.writes(nb))
    result["cells"] = len(nb.cells)
    return result


def export(args):
    from nbconvert import HTMLExporter
    from nbformat.sign import NotebookNotary

    nb = nbformat.read(args.input, as_version=4)
    if args.sign:
        NotebookNotary().sign(nb)
    write_atomic(args.output, nbformat.writes(nb))
    exporter = HTMLExporter(template_name="fd-offline", extra_template_basedirs=[os.path.join(HERE, "nbconvert-templates")])
    name = args.name or os.path.splitext(os.path.basename(args.output))[0]
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
    write_atomic(args.html, html)
    return {"ok": True}


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("execute")
    ex.add_argument("input")
    ex.add_argument("output")
    ex.add_argument("--kernel", default="tslab")
    ex.add_argument("--timeout", type=int, default=1800)
    ex.add_argument("--cwd", default=None)
    exp = sub.add_parser("export")
    exp.add_argument("input")
    exp.add_argument("output")
    exp.add_argument("html")
    exp.add_argument("--sign", action="store_true")
    exp.add_argument("--name", default=None)
    args = ap.parse_args()
    result = execute(args) if args.command == "execute" else export(args)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
