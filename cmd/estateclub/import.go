package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/member/transfer"
	"estateclub/internal/org"
)

func importCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "import data from spreadsheets (导入)"}
	var o transfer.Options
	var reportDir string
	members := &cobra.Command{
		Use:   "members FILE",
		Short: "import members from .xlsx or .csv (会员导入); prints: imported N, merged M, conflicts C, failed K",
		Long: `Import members from an .xlsx or .csv file (UTF-8 or GBK/GB18030). Columns are
found by their header (手机号码, 姓名, 身份证号, 出生日期, 所属项目 …) in the first
20 rows. Each row goes in whole or not at all; a mobile number already known
merges into that member, so running the same file again creates nobody and
completes an interrupted import. A row never changes a known member's name,
gender, ID number or birthday (blank ones are filled in): a row that disagrees
is a conflict, left for a supervisor to apply or dismiss in the console.
Failed and conflicting rows are written, with the column and the reason, to
FILE's name + .errors.xlsx next to it (or in --report-dir).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImport(cmd, cfg, args[0], o, reportDir)
		},
	}
	f := members.Flags()
	f.StringVar(&o.OrgCode, "org", "", "code of the city company or project the members join; the file's project column may name nodes below it")
	f.BoolVar(&o.DefaultMembers, "default-members", false, "import as default members (默认会员) rather than membership applications")
	f.IntVar(&o.BatchSize, "batch", 1000, "rows per transaction")
	f.StringVar(&reportDir, "report-dir", "", "folder for the error report (default: beside FILE)")
	_ = members.MarkFlagRequired("org")
	cmd.AddCommand(members)
	return cmd
}

// An import holds the file while it reads it, and by default the garbage
// collector lets the heap grow to twice what is live before it collects:
// with a million rows that took the process past 300 MiB. Unless GOGC or
// GOMEMLIMIT say otherwise, an import collects at +25% and keeps a soft
// limit of 200 MiB (measured: peak RSS 301 → 247 MiB importing 1,000,000
// rows into SQLite, for about 8% more time).
const (
	importGCPercent   = 25
	importMemoryLimit = 200 << 20
)

func softMemoryLimit() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(importGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(importMemoryLimit)
	}
}

func runImport(cmd *cobra.Command, cfg *config, file string, o transfer.Options, reportDir string) error {
	softMemoryLimit()
	sheet, err := transfer.OpenFile(file)
	if err != nil {
		return err
	}
	defer sheet.Close()
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := cfg.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	keys, err := cfg.keys(ctx, d, cfg.logger())
	if err != nil {
		return err
	}
	svc := &member.Service{DB: d, Keys: keys}
	o.Progress = progress(cmd.ErrOrStderr(), filepath.Base(file))
	rep, err := transfer.Import(db.WithActor(ctx, cliActor()), svc, sheet, o)
	if err != nil {
		if rep != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "stopped after imported %d, merged %d, conflicts %d, failed %d; run the same command again to complete the import — 导入中断，再次运行同一命令即可完成\n",
				rep.Created, rep.Merged, rep.Conflicted, rep.Failed)
		}
		return err
	}
	out := cmd.OutOrStdout()
	if rep.Failed+rep.Conflicted > 0 {
		path, err := writeErrorReport(file, reportDir, sheet, rep)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "error report: %s\n", path)
	}
	fmt.Fprintf(out, "imported %d, merged %d, conflicts %d, failed %d\n", rep.Created, rep.Merged, rep.Conflicted, rep.Failed)
	return nil
}

// writeErrorReport writes <FILE without extension>.errors.xlsx beside the
// file or in dir.
func writeErrorReport(file, dir string, s *transfer.Sheet, rep *transfer.Report) (string, error) {
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)) + ".errors.xlsx"
	if dir == "" {
		dir = filepath.Dir(file)
	}
	path := filepath.Join(dir, base)
	return path, writeFileAtomic(path, func(w io.Writer) error { return transfer.WriteErrorReport(w, s, rep) })
}

// writeFileAtomic writes a file readable only by its owner (it holds
// personal data) under a temporary name and renames it when complete.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// progress shows an import's progress on w: a bar on a terminal, otherwise
// a line at every tenth of the way (logs and CI keep those readable).
func progress(w io.Writer, name string) func(done, total int) {
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			var bar *progressbar.ProgressBar
			return func(done, total int) {
				if bar == nil {
					bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("导入 "+name),
						progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
						progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
				}
				_ = bar.Set(done)
			}
		}
	}
	last := -10
	return func(done, total int) {
		pct := 100
		if total > 0 {
			pct = done * 100 / total
		}
		if pct/10 != last/10 || (done == total && last != 100) {
			fmt.Fprintf(w, "importing %s: %d/%d rows (%d%%)\n", name, done, total, pct)
			last = pct
		}
	}
}

func exportCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "export", Short: "export data to spreadsheets (导出)"}
	var orgCode, status, lang string
	var f member.Filter
	members := &cobra.Command{
		Use:   "members FILE.xlsx",
		Short: "export members to .xlsx (会员导出), personal data masked; the export is audited",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.Status = member.Status(status)
			return runExport(cmd.Context(), cmd, cfg, args[0], orgCode, f, lang)
		},
	}
	fl := members.Flags()
	fl.StringVar(&orgCode, "org", "", "only members of this org node and below")
	fl.StringVar(&f.Q, "q", "", "search: mobile, its last 4 digits, ID number, member number, name or pinyin")
	fl.StringVar(&status, "status", "", "default, pending, returned, active or closed")
	fl.StringVar(&f.Tier, "tier", "", "tier code")
	fl.StringVar(&f.Tag, "tag", "", "interest tag")
	fl.StringVar(&lang, "lang", "zh-CN", "headers and labels: zh-CN or en")
	cmd.AddCommand(members)
	return cmd
}

func runExport(ctx context.Context, cmd *cobra.Command, cfg *config, file, orgCode string, f member.Filter, lang string) error {
	d, err := cfg.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	keys, err := cfg.keys(ctx, d, cfg.logger())
	if err != nil {
		return err
	}
	orgs := &org.Service{DB: d}
	node, err := orgs.ByID(ctx, org.RootID)
	if orgCode != "" {
		node, err = orgs.ByCode(ctx, orgCode)
	}
	if err != nil {
		return fmt.Errorf("--org %s: %w", orgCode, err)
	}
	if orgCode != "" {
		f.Within = []string{node.Path}
	}
	ctx = db.WithActor(ctx, cliActor())
	svc := &member.Service{DB: d, Keys: keys}
	n := 0
	err = writeFileAtomic(file, func(w io.Writer) (err error) {
		n, err = transfer.Export(ctx, w, svc, f, transfer.ExportOptions{Lang: lang})
		return err
	})
	if err != nil {
		return err
	}
	if err := transfer.RecordExport(ctx, d, transfer.ExportRecord{File: filepath.Base(file), Count: n, NodePath: node.Path, Filter: f}); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "exported %d members to %s\n", n, file)
	return nil
}
