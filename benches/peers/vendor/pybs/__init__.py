from . import utils
from . import unordered_tree
from . import combinations
from . import series
from . import rungekutta
