package points

import "context"

// EffectivenessDirect is the report summed straight from the postings,
// for tests that hold the rollup's report against it.
func (s *Service) EffectivenessDirect(ctx context.Context, f ReportFilter) (*EffectivenessReport, error) {
	return s.effectiveness(ctx, f, true)
}
