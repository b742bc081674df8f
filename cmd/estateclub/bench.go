package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"estateclub/internal/bench"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/pii"
)

func benchCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "measure import throughput, memory and search latency (prints figures)"}
	var rows, batch, searches int
	var dsn string
	var searchOnly bool
	members := &cobra.Command{
		Use:   "members",
		Short: "import --rows generated members into an empty database, then time every kind of search",
		Long: "Writes generated members to a .csv file and imports it (read, matched by header, validated, encrypted, indexed:\n" +
			"the path of `estateclub import members`) into a fresh database —\n" +
			"a temporary SQLite file unless --db names an empty PostgreSQL database or schema — and prints rows/s,\n" +
			"peak RSS and p50/p95 latency of each kind of member search.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchMembers(cmd.Context(), dsn, rows, batch, searches, searchOnly)
		},
	}
	members.Flags().IntVar(&rows, "rows", 100_000, "members to import")
	members.Flags().IntVar(&batch, "batch", 5000, "rows per transaction")
	members.Flags().IntVar(&searches, "searches", 200, "searches of each kind")
	members.Flags().StringVar(&dsn, "db", "", "an EMPTY database to fill (postgres://… or a SQLite file path); default a temporary SQLite file")
	members.Flags().BoolVar(&searchOnly, "search-only", false, "only time the searches, on a database an earlier run filled (--db)")
	cmd.AddCommand(members, statementBenchCmd(), reportBenchCmd())
	return cmd
}

func benchMembers(ctx context.Context, dsn string, rows, batch, searches int, searchOnly bool) error {
	softMemoryLimit() // as estateclub import members
	if searchOnly && dsn == "" {
		return fmt.Errorf("--search-only needs --db: the database an earlier run filled")
	}
	if dsn == "" {
		dir, err := os.MkdirTemp("", "estateclub-bench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dsn = filepath.Join(dir, "bench.db")
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		return err
	}
	var n int
	_ = d.View(ctx, func(tx *db.Tx) (err error) { n, err = tx.Count(ctx, "SELECT count(*) FROM members"); return err })
	if searchOnly {
		return benchSearch(ctx, d, n, searches)
	}
	if n > 0 {
		return fmt.Errorf("the database already holds %d members: bench needs an empty one", n)
	}
	ctx = db.WithActor(ctx, db.Actor{Kind: "system", Login: "bench"})
	orgs := &org.Service{DB: d}
	var nodes []string
	for r := range 2 {
		region := fmt.Sprintf("BR%d", r)
		if _, err := orgs.Create(ctx, org.NewNode{ParentCode: "GROUP", Kind: org.Region, Code: region, Name: "区域" + region}); err != nil {
			return err
		}
		for c := range 2 {
			city := fmt.Sprintf("%sC%d", region, c)
			if _, err := orgs.Create(ctx, org.NewNode{ParentCode: region, Kind: org.City, Code: city, Name: "城市" + city}); err != nil {
				return err
			}
			for p := range 2 {
				code := fmt.Sprintf("%sP%d", city, p)
				if _, err := orgs.Create(ctx, org.NewNode{ParentCode: city, Kind: org.Project, Code: code, Name: "项目" + code}); err != nil {
					return err
				}
				nodes = append(nodes, code)
			}
		}
	}
	keys, err := pii.NewKeys(bytes.Repeat([]byte{9}, pii.KeySize))
	if err != nil {
		return err
	}
	svc := &member.Service{DB: d, Keys: keys}
	csvPath := filepath.Join(os.TempDir(), fmt.Sprintf("estateclub-bench-%d.csv", os.Getpid()))
	if err := bench.WriteCSV(csvPath, rows, nodes); err != nil {
		return err
	}
	defer os.Remove(csvPath)
	fmt.Printf("engine %s, %d rows from %s, batches of %d\n", d.Dialect(), rows, csvPath, batch)
	last := time.Now()
	res, err := bench.Import(ctx, svc, csvPath, "GROUP", batch, func(done, total int) {
		if time.Since(last) > 5*time.Second {
			last = time.Now()
			fmt.Fprintf(os.Stderr, "  %d / %d\n", done, total)
		}
	})
	if err != nil {
		return err
	}
	fmt.Printf("import: %d rows in %.1f s = %.0f rows/s, peak RSS %.0f MiB, %d failed; this process used %.1f s CPU (%.0f rows per CPU-second)\n",
		res.Rows, res.Elapsed.Seconds(), res.RowsPerSec(), res.PeakMiB, res.Failures, res.CPU.Seconds(), float64(res.Rows)/res.CPU.Seconds())
	// Approve every member so member numbers exist, as in a real club.
	if err := d.Update(ctx, func(tx *db.Tx) error {
		q := "UPDATE members SET status = 'active', member_no = 'M' || substr('0000000' || id, -8, 8)"
		if d.Dialect() == db.Postgres {
			q = "UPDATE members SET status = 'active', member_no = 'M' || lpad(id::text, 8, '0')"
		}
		_, err := tx.Exec(ctx, q)
		return err
	}); err != nil {
		return err
	}
	// Fresh statistics, as autovacuum would have them after a real import;
	// on PostgreSQL also the visibility map its vacuum after many inserts
	// sets, which lets searches read the covering indexes alone.
	if d.Dialect() == db.Postgres {
		if _, err := d.SQL().ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			return err
		}
	} else if err := d.Update(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, "ANALYZE"); return err }); err != nil {
		return err
	}
	return benchSearch(ctx, d, rows, searches)
}

// benchSearch times every kind of member search on a filled bench database.
func benchSearch(ctx context.Context, d *db.DB, rows, searches int) error {
	keys, err := pii.NewKeys(bytes.Repeat([]byte{9}, pii.KeySize))
	if err != nil {
		return err
	}
	svc := &member.Service{DB: d, Keys: keys}
	city, err := (&org.Service{DB: d}).ByCode(ctx, "BR0C0")
	if err != nil {
		return err
	}
	for _, scope := range []struct {
		name   string
		within []string
	}{{"group-wide", nil}, {"one city", []string{city.Path}}} {
		lat, err := bench.Search(ctx, svc, rows, searches, scope.within)
		if err != nil {
			return err
		}
		fmt.Printf("search (%s, first page of 20 with total):\n", scope.name)
		for _, k := range bench.SearchKinds {
			fmt.Printf("  %-16s %s\n", k.Name, lat[k.Name])
		}
	}
	return nil
}
