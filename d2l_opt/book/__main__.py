"""``python -m d2l_opt.book CHAPTER.ipynb [...]``: execute chapters in place, headless."""
import sys

from .execute import execute

if len(sys.argv) < 2:
    sys.exit("usage: python -m d2l_opt.book CHAPTER.ipynb [CHAPTER.ipynb ...]")
for name in sys.argv[1:]:
    execute(name)
    print(f"executed {name}")
