from .Bseries import \
    BseriesRule, \
    VectorfieldRule, \
    ForestRule, \
    exponential, \
    unit, \
    _kahan, \
    unit_field, \
    AVF
from .functions import \
    tree_pairs_of_order, \
    tree_tuples_of_order
from .operations import \
    hf_composition, \
    lie_derivative, \
    modified_equation, \
    composition_ssa, \
    composition, \
    inverse, \
    adjoint, \
    stepsize_adjustment, \
    exp, \
    log, \
    conjugate, \
    conjugate_by_commutator, \
    series_commutator

from .checks import \
    equal_up_to_order, \
    convergence_order, \
    symmetric_up_to_order, \
    symplectic_up_to_order, \
    hamiltonian_up_to_order, \
    subspace_hamiltonian_up_to_order, \
    conjugate_to_symplectic, \
    energy_preserving_upto_order, \
    conjugate_symplecticity_matrix  # TODO: Needed? Private?
