package main

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/demo"
	"estateclub/internal/pii"
)

// seedDemo fills an empty database with the demo club (serve --demo), or
// says that an earlier fill did not finish.
func seedDemo(ctx context.Context, cfg *config, d *db.DB, keys *pii.Keys, log *slog.Logger) error {
	fill := d
	if d.Dialect() == db.Postgres {
		// The fill is a few thousand small transactions; waiting for each
		// commit to reach the disk made it take minutes on a busy machine.
		// Demo data needs no such durability: a crash leaves the database
		// consistent, and without the demo's finished mark, so it says so.
		u, err := url.Parse(cfg.dsn())
		if err != nil {
			return err
		}
		q := u.Query()
		q.Set("synchronous_commit", "off")
		u.RawQuery = q.Encode()
		if fill, err = db.Open(ctx, u.String()); err != nil {
			return err
		}
		defer fill.Close()
	}
	start := time.Now()
	seeded, err := demo.Seed(ctx, fill, keys, func(s demo.Step) {
		log.Info("demo data", "step", s.Name, "elapsed", s.Elapsed.Round(time.Millisecond))
	})
	if err != nil {
		return err
	}
	if seeded {
		log.Info("demo data created", "elapsed", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// checkDemo warns, without stopping the server, about a database an
// unfinished demo fill left behind.
func checkDemo(ctx context.Context, d *db.DB, log *slog.Logger) error {
	err := demo.Check(ctx, d)
	if errors.Is(err, demo.ErrHalfFilled) {
		log.Error(demo.ErrHalfFilled.ZH + " — " + demo.ErrHalfFilled.EN)
		return nil
	}
	return err
}
