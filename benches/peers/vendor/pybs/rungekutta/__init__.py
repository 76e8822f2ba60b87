# This Python file uses the following encoding: utf-8
from .rk_method import RK_method
