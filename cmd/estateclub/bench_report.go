package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"estateclub/internal/bench"
	"estateclub/internal/db"
	"estateclub/internal/points"
)

func reportBenchCmd() *cobra.Command {
	var postings, queries int
	var dsn string
	var queryOnly bool
	cmd := &cobra.Command{
		Use:   "report",
		Short: "seed a ledger of --postings postings, then time the plan effectiveness report (积分计划效用分析) p50/p95",
		Long: "Fills a fresh database — a temporary SQLite file unless --db names an empty PostgreSQL database or schema,\n" +
			"or a SQLite file path to keep — with the ledger of `bench statement` (three years of awards of both kinds under\n" +
			"one plan, and redemptions), builds the report's rollup, then times --queries reports of each kind (whole\n" +
			"history, one year, one quarter, one region, reward of one plan). --query-only times the reports again on a\n" +
			"database an earlier run filled.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if postings < 20 || queries < 1 {
				return fmt.Errorf("--postings must be at least 20 and --queries at least 1")
			}
			return benchReport(cmd.Context(), cmd.OutOrStdout(), dsn, postings, queries, queryOnly)
		},
	}
	cmd.Flags().IntVar(&postings, "postings", 1_000_000, "postings to seed (two per transaction)")
	cmd.Flags().IntVar(&queries, "queries", 50, "reports of each kind")
	cmd.Flags().StringVar(&dsn, "db", "", "an EMPTY database to fill (postgres://… or a SQLite file path); default a temporary SQLite file")
	cmd.Flags().BoolVar(&queryOnly, "query-only", false, "only time the reports, on a database an earlier run filled (--db)")
	return cmd
}

func benchReport(ctx context.Context, w io.Writer, dsn string, postings, queries int, queryOnly bool) error {
	d, n, done, err := openLedgerBench(ctx, dsn, queryOnly)
	if err != nil {
		return err
	}
	defer done()
	ctx = db.WithActor(ctx, db.Actor{Kind: "system", Login: "bench"})
	var setup bench.ReportSetup
	switch {
	case queryOnly:
		if setup, err = bench.ReportSetupOf(ctx, d, n); err != nil {
			return err
		}
		fmt.Fprintf(w, "engine %s, %d postings already seeded\n", d.Dialect(), n)
	case n > 0:
		return fmt.Errorf("the database already holds %d postings: bench needs an empty one", n)
	default:
		fmt.Fprintf(w, "engine %s, seeding %d postings …\n", d.Dialect(), postings)
		if setup, err = bench.ReportSeed(ctx, d, postings); err != nil {
			return err
		}
		fmt.Fprintf(w, "seed: %d postings (%d transactions) for %d members in %.0f s; rollup built from %d member postings in %.1f s\n",
			setup.Postings, setup.Transactions, setup.Members, setup.Elapsed.Seconds(), setup.Rollup.Postings, setup.Rolling.Seconds())
	}
	var rows int
	if err := d.View(ctx, func(tx *db.Tx) (err error) {
		rows, err = tx.Count(ctx, "SELECT count(*) FROM point_report_days")
		return err
	}); err != nil {
		return err
	}
	start := time.Now()
	res, err := bench.Reports(ctx, &points.Service{DB: d}, setup, queries)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "plan effectiveness reports (rollup of %d rows), %d of each kind, in %.1f s:\n", rows, queries, time.Since(start).Seconds())
	for _, r := range res {
		fmt.Fprintf(w, "  %-17s %s\n", r.Query, r.Latency)
	}
	return nil
}
