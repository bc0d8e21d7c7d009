"""Turn world-atlas TopoJSON into the SVG paths the map draws (run once, output shipped).

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m ui.build_map package/countries-110m.json ui/assets/world-110m.json

world-atlas (ISC licence) packages Natural Earth's 1:110m countries (public domain). The
map is equirectangular, 960 units wide, latitudes 84° N to 58° S (Antarctica is left out).
Each country keeps its ISO 3166 numeric id, its name, one SVG path and a label point (the
middle of its largest ring), so the page needs no geometry library and no tile server.
"""

import json
import sys

import numpy as np

WIDTH = 960.0
NORTH, SOUTH = 84.0, -58.0
SCALE = WIDTH / 360.0
HEIGHT = (NORTH - SOUTH) * SCALE
LEFT_OUT = {"010"}  # Antarctica


def project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (lon + 180.0) * SCALE, (NORTH - np.clip(lat, SOUTH, NORTH)) * SCALE


def _arcs(topology: dict) -> list[np.ndarray]:
    """Every arc as absolute (lon, lat) points: TopoJSON stores quantised deltas."""
    scale, translate = topology["transform"]["scale"], topology["transform"]["translate"]
    out = []
    for arc in topology["arcs"]:
        points = np.cumsum(np.asarray(arc, dtype=float), axis=0)
        out.append(points * scale + translate)
    return out


def _ring(arcs: list[np.ndarray], indices: list[int]) -> np.ndarray:
    parts = []
    for k, index in enumerate(indices):
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(points if k == 0 else points[1:])
    return np.concatenate(parts)


def _path(ring: np.ndarray) -> tuple[str, float, tuple[float, float]]:
    """(SVG path of one ring, its area, its middle) in map units, near points dropped."""
    x, y = project(ring[:, 0], ring[:, 1])
    keep = [0]
    for k in range(1, len(x)):
        if abs(x[k] - x[keep[-1]]) + abs(y[k] - y[keep[-1]]) >= 0.6:
            keep.append(k)
    x, y = x[keep], y[keep]
    area = 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))
    # A ring crossing the date line (Fiji, Chukotka) jumps across the map: lift the pen there.
    steps = ["M"] + ["M" if abs(x[k] - x[k - 1]) > WIDTH / 2 else "L" for k in range(1, len(x))]
    d = "".join(f"{m}{a:.1f},{b:.1f}" for m, a, b in zip(steps, x, y, strict=True)) + "Z"
    return d, area, (float((x.min() + x.max()) / 2), float((y.min() + y.max()) / 2))


def convert(topology: dict) -> dict:
    arcs = _arcs(topology)
    countries = {}
    for shape in topology["objects"]["countries"]["geometries"]:
        number = shape.get("id")
        if number is None or number in LEFT_OUT or "arcs" not in shape:
            continue
        polygons = shape["arcs"] if shape["type"] == "MultiPolygon" else [shape["arcs"]]
        paths, best = [], (0.0, (0.0, 0.0))
        for polygon in polygons:
            for ring in polygon:
                d, area, middle = _path(_ring(arcs, ring))
                if area >= 0.3:
                    paths.append(d)
                if area > best[0]:
                    best = (area, middle)
        countries[number] = {
            "name": shape["properties"]["name"],
            "d": "".join(paths),
            "at": [round(best[1][0], 1), round(best[1][1], 1)],
        }
    return {"width": WIDTH, "height": round(HEIGHT, 1), "countries": countries}


if __name__ == "__main__":
    source, target = sys.argv[1:3]
    with open(source) as f:
        shapes = convert(json.load(f))
    with open(target, "w") as f:
        json.dump(shapes, f, separators=(",", ":"))
