# Rewrites imports from before the move into workbench/core (issue #14). Order matters:
# the scoring.refresh/synthetic lines come before the generic scoring line.
# Use: grep -rlE 'workbench\.(services|local_store)' --include=*.py --include=*.mako --include=*.md . | xargs sed -i -E -f scripts/remap_core_imports.sed
s/workbench\.services\.scoring\.refresh\b/workbench.services.score_refresh/g
s/workbench\.services\.scoring\.synthetic\b/tests.synth.scoring_data/g
s/workbench\.services\.analytics_synth\b/tests.synth.analytics_history/g
s/workbench\.services\.scoring\b/workbench.core.scoring/g
s/workbench\.services\.codes\b/workbench.core.codes/g
s/workbench\.services\.phone\b/workbench.core.phone/g
s/workbench\.services\.tags\b/workbench.core.tags/g
s/workbench\.services\.pressure\b/workbench.core.pressure/g
s/workbench\.services\.policies\b/workbench.core.policies/g
s/workbench\.services\.eligibility\b/workbench.core.rules/g
s/workbench\.services\.lazy_import\b/workbench.core.lazy_import/g
s/workbench\.local_store\.entities\b/workbench.core.entities/g
s/workbench\.local_store\.dbutil\b/workbench.core.dbutil/g
s/^from workbench\.services import (codes|phone|tags|pressure|policies|eligibility|lazy_import)\b/from workbench.core import \1/
s/^from workbench\.local_store import (entities|dbutil)\b/from workbench.core import \1/
s/workbench\.core\.eligibility\b/workbench.core.rules/g
