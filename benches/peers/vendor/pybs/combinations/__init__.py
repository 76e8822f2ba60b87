from .forests import Forest, empty_tree
from .functions import \
    graft, \
    split, \
    subtrees, \
    differentiate, \
    linCombCommutator, \
    tree_commutator, \
    antipode_ck, \
    symp_split
