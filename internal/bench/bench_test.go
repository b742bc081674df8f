package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"estateclub/internal/bench"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/pii"
)

func mustSetup(b testing.TB, engine db.Dialect) (*member.Service, []string) {
	d := dbtest.Open(b, engine)
	ctx := db.WithActor(context.Background(), db.Actor{Kind: "system", Login: "bench"})
	orgs := &org.Service{DB: d}
	for _, n := range []org.NewNode{{ParentCode: "GROUP", Kind: org.Region, Code: "RR", Name: "R"}, {ParentCode: "RR", Kind: org.City, Code: "CC", Name: "C"},
		{ParentCode: "CC", Kind: org.Project, Code: "P1", Name: "P1"}, {ParentCode: "CC", Kind: org.Project, Code: "P2", Name: "P2"}} {
		if _, err := orgs.Create(ctx, n); err != nil {
			b.Fatal(err)
		}
	}
	keys, _ := pii.NewKeys(bytes.Repeat([]byte{9}, pii.KeySize))
	return &member.Service{DB: d, Keys: keys}, []string{"P1", "P2"}
}

// BenchmarkImport measures the member import of a .csv file per row; run with
// go test ./internal/bench -bench Import -benchtime 20000x
func BenchmarkImport(b *testing.B) {
	for _, engine := range dbtest.Engines {
		b.Run(string(engine), func(b *testing.B) {
			svc, nodes := mustSetup(b, engine)
			path := filepath.Join(b.TempDir(), "members.csv")
			if err := bench.WriteCSV(path, b.N, nodes); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			res, err := bench.Import(context.Background(), svc, path, "CC", 5000, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(res.RowsPerSec(), "rows/s")
		})
	}
}

// The generator makes distinct, valid mobiles (the import relies on it).
func TestMobilesAreDistinctAndValid(t *testing.T) {
	seen := map[string]bool{}
	for i := range 200000 {
		m := bench.Mobile(i)
		if seen[m] {
			t.Fatalf("mobile %d repeats %s", i, m)
		}
		seen[m] = true
	}
	_ = fmt.Sprint()
}
