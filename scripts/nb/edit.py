"""Small helper to rewrite notebook cells: load, set cells from a list of (type, source), save.
Used once per API change; not part of the build."""
import json, sys

def load(path):
    return json.load(open(path))

def save(path, nb, cells, prefix):
    out = []
    for kind, src in cells:
        src = src.strip('\n')
        lines = src.split('\n')
        source = [l + '\n' for l in lines[:-1]] + [lines[-1]]
        cell = {'cell_type': kind, 'id': f'{prefix}-{len(out):02d}', 'metadata': {}, 'source': source}
        if kind == 'code':
            cell['execution_count'] = None
            cell['outputs'] = []
        out.append(cell)
    nb['cells'] = out
    with open(path, 'w') as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write('\n')

def cells_of(nb):
    return [(c['cell_type'], ''.join(c['source'])) for c in nb['cells']]
