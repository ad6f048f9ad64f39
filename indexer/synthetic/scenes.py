"""Secular scenes for the non-Buddhist figure category: hunts among hills, processions,
concerts of seated musicians and field work.
"""

from __future__ import annotations

from .composer import Box, Composer, Sprite, scatter


def _scene_figures(c: Composer, scene: str, size: float, facing: int) -> Sprite | None:
    rng = c.rng
    if scene == "hunt":
        kind = "rider" if rng.random() < 0.65 else "archer"
        return c.sprite(
            kind,
            "non-buddhist-figure",
            size * rng.uniform(0.85, 1.1),
            facing=facing,
            action=str(rng.choice(["bow", "reins"])),
        )
    if scene == "procession":
        kind = str(rng.choice(["rider", "warrior", "rider"]))
        return c.sprite(
            kind,
            "non-buddhist-figure",
            size * rng.uniform(0.85, 1.05),
            facing=facing,
            camel=bool(rng.random() < 0.15),
            action=str(rng.choice(["banner", "reins"])),
            gallop=False,
        )
    return c.sprite(
        "labourer",
        "non-buddhist-figure",
        size * rng.uniform(0.8, 1.0),
        facing=1 if rng.random() < 0.5 else -1,
    )


def secular_scene(c: Composer, box: Box) -> None:
    """A hunt, procession, concert or field work in zones divided by ranges of hills."""
    rng = c.rng
    scene = str(rng.choice(["hunt", "procession", "music", "labour"], p=[0.35, 0.3, 0.2, 0.15]))
    size = min(c.size(100, 340), box[3] * 0.6, box[2] * 0.4)
    facing = 1 if rng.random() < 0.5 else -1
    zones = max(1, min(4, int(box[3] // (size * (1.5 if scene == "music" else 1.9)))))
    zone_h = box[3] / zones
    placed: list[Box] = []
    for z in range(zones):
        zone = (box[0], box[1] + z * zone_h, box[2], zone_h)
        if scene == "music":
            _concert(c, zone, size * 0.7, facing, placed)
            continue
        if scene in ("hunt", "labour"):
            hills = size * rng.uniform(0.35, 0.55)
            x = zone[0] + rng.uniform(-0.5, 0) * hills
            while x < zone[0] + zone[2]:
                peaks = int(rng.integers(2, 5))
                c.ornament(
                    "mountains",
                    hills,
                    x + hills * (0.25 * peaks + 0.25),
                    zone[1] + zone[3] - hills / 2,
                    peaks=peaks,
                )
                x += hills * (0.5 * peaks + 0.5) * rng.uniform(0.8, 1.6)
            zone = (zone[0], zone[1], zone[2], zone[3] - hills * 0.6)
            for _ in range(int(rng.integers(1, 4))):
                c.ornament(
                    "tree",
                    size * rng.uniform(0.5, 0.9),
                    zone[0] + rng.uniform(0, zone[2]),
                    zone[1] + rng.uniform(0.3, 0.7) * zone[3],
                )
        crowd = int(min(10, max(2, zone[2] * zone[3] / (size * size * 3))) * rng.uniform(0.6, 1))
        if scene == "hunt":
            for _ in range(max(1, crowd // 2)):
                placed.append(
                    c.ornament(
                        "animal",
                        size * rng.uniform(0.4, 0.7),
                        zone[0] + rng.uniform(0, zone[2]),
                        zone[1] + rng.uniform(0.3, 0.8) * zone[3],
                        facing=facing,
                    )
                )
        sprites = [_scene_figures(c, scene, size, facing) for _ in range(crowd)]
        scatter(c, [s for s in sprites if s is not None], zone, placed)
    if rng.random() < 0.6:  # cartouches naming the scene
        tags = [c.cartouche(size * rng.uniform(0.4, 0.8)) for _ in range(int(rng.integers(1, 4)))]
        scatter(c, [t for t in tags if t is not None], box, placed)


def _concert(c: Composer, zone: Box, seated: float, facing: int, placed: list[Box]) -> None:
    """Seated musicians in a row on a long mat."""
    rng = c.rng
    mat_y = zone[1] + zone[3] - seated * 0.2
    c.ornament("mat", zone[2] * 0.9, zone[0] + zone[2] / 2, mat_y, depth=0.04)
    x = zone[0] + seated * 0.3
    while True:
        s = c.sprite(
            "musician", "non-buddhist-figure", seated * rng.uniform(0.9, 1.1), facing=facing
        )
        if s is None or x + s.w > zone[0] + zone[2]:
            break
        placed.append(c.place(s, x, mat_y - s.h))
        x += s.w + seated * rng.uniform(0.1, 0.4)
