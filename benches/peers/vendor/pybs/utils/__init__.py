# This Python file uses the following encoding: utf-8
from .miscellaneous import memoized, memoized2
from .clonable_multiset import ClonableMultiset
from .linearCombination import LinearCombination
from .planarforest import generate_forest
from .tikz2svg import tikz2svg
