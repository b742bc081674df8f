package main

import (
	"net/url"

	"github.com/spf13/cobra"
)

func parseURL(s string) (*url.URL, error) { return url.Parse(s) }

func newRoot() *cobra.Command {
	cfg := &config{}
	root := &cobra.Command{
		Use:           "estateclub",
		Short:         "客户会管理系统 — a property developer's customer club",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	cfg.bindCommon(root)
	root.AddCommand(serveCmd(cfg), migrateCmd(cfg), orgCmd(cfg), userCmd(cfg), tokenCmd(cfg), benchCmd(), importCmd(cfg), exportCmd(cfg), pointsCmd(cfg), backupCmd(cfg), restoreCmd(cfg))
	return root
}
