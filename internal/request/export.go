package request

import (
	"context"
	"fmt"

	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// LogExport records that the caller exported rows requests of the queue
// selected by filter (the query string of its filters, no personal data);
// nodePath is the org scope the export covered.
func (s *Service) LogExport(ctx context.Context, nodePath string, rows int, filter string) error {
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "request.export", ObjectType: "request", NodePath: nodePath,
			Summary: fmt.Sprintf("导出诉求 %d 条", rows), After: map[string]any{"rows": rows, "filter": filter}})
	})
}
