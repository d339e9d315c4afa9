"""cleaner: remove scraping residue (captions, credits, navigation, stray tokens) from article text,
and say exactly what was removed."""
from .api import Cleaner, CleanerConfig, clean, load_rules
from .model import CleanResult, CleanerError, Removal, Rule, RulePack, apply_removals

__all__ = ["clean", "Cleaner", "CleanerConfig", "CleanResult", "Removal", "Rule", "RulePack", "CleanerError",
           "load_rules", "apply_removals"]
__version__ = "0.4.0"
