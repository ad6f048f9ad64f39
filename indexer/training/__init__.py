"""Detector training without Django: VOC files, YOLO data sets cut with the indexer's tiling,
the ultralytics training call, and COCO evaluation (pycocotools) on tiles and whole murals.

The Django app (dunhuang_search.training) adds only what needs the database: which elements
are labels, the DetectorModel registry, import and export, and the commands.
"""
