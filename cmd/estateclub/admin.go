package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/org"
)

func migrateCmd(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "apply the database migrations and show their state",
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer d.Close()
			st, err := d.MigrationStatus(cmd.Context())
			if err != nil {
				return err
			}
			for _, m := range st {
				fmt.Fprintf(cmd.OutOrStdout(), "%05d %-8s %s\n", m.Source.Version, m.State, m.Source.Path)
			}
			return nil
		},
	}
}

func orgCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "org", Short: "the organisation tree (组织架构)"}
	var in org.NewNode
	var kind string
	add := &cobra.Command{
		Use:   "add",
		Short: "add a node: --parent CODE --kind region|city|project --code CODE --name NAME",
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := org.ParseKind(kind)
			if err != nil {
				return err
			}
			in.Kind = k
			d, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer d.Close()
			ctx := db.WithActor(cmd.Context(), cliActor())
			n, err := (&org.Service{DB: d}).Create(ctx, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\n", n.Code, n.Kind, n.Name)
			return nil
		},
	}
	add.Flags().StringVar(&in.ParentCode, "parent", "", "code of the parent node")
	add.Flags().StringVar(&kind, "kind", "", "region, city or project")
	add.Flags().StringVar(&in.Code, "code", "", "unique short code")
	add.Flags().StringVar(&in.Name, "name", "", "name")
	for _, f := range []string{"parent", "kind", "code", "name"} {
		_ = add.MarkFlagRequired(f)
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "list the nodes, one a line, code first, the group first",
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer d.Close()
			nodes, _, err := (&org.Service{DB: d}).List(cmd.Context(), org.Filter{})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			for _, n := range nodes {
				parent := "-"
				for _, p := range nodes {
					if n.ParentID != nil && p.ID == *n.ParentID {
						parent = p.Code
					}
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", n.Code, n.Kind, parent, n.Name)
			}
			return nil
		},
	}
	cmd.AddCommand(add, list)
	return cmd
}

// cliActor is who the command line acts as in the audit log.
func cliActor() db.Actor {
	who := os.Getenv("USER")
	if who == "" {
		who = "cli"
	}
	return db.Actor{Kind: "system", Login: "cli:" + who}
}

func userCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "staff accounts (员工账号)"}
	var in auth.NewStaff
	var roles []string
	add := &cobra.Command{
		Use:   "add",
		Short: "add a staff account; the password is read from stdin, or generated and printed",
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, r := range roles {
				role, at, _ := strings.Cut(r, "@")
				if at == "" {
					at = in.NodeCode
				}
				in.Grants = append(in.Grants, auth.NewGrant{Role: auth.Role(role), NodeCode: at})
			}
			pw, err := readPassword(cmd.InOrStdin())
			if err != nil {
				return err
			}
			generated := pw == ""
			if generated {
				pw = auth.GeneratePassword()
			}
			in.Password = pw
			d, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer d.Close()
			ctx := db.WithActor(cmd.Context(), cliActor())
			st, err := auth.NewService(d).CreateStaff(ctx, in)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "created %s (%s) at %s\n", st.Login, st.Name, st.NodeCode)
			if generated {
				fmt.Fprintf(w, "password: %s\n", pw)
			}
			return nil
		},
	}
	add.Flags().StringVar(&in.Login, "login", "", "login name")
	add.Flags().StringVar(&in.Name, "name", "", "full name")
	add.Flags().StringVar(&in.Email, "email", "", "email address")
	add.Flags().StringVar(&in.NodeCode, "org", "GROUP", "home org node code; roles without @CODE are held here")
	add.Flags().StringArrayVar(&roles, "role", nil, "role code, optionally ROLE@ORGCODE; repeatable ("+roleCodes()+")")
	_ = add.MarkFlagRequired("login")
	_ = add.MarkFlagRequired("name")
	cmd.AddCommand(add)
	return cmd
}

func roleCodes() string {
	var s []string
	for _, r := range auth.Roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

// readPassword reads one line from stdin unless it is a terminal.
func readPassword(in io.Reader) (string, error) {
	if f, ok := in.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return "", nil
		}
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func tokenCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "API bearer tokens"}
	var login, name string
	var days int
	create := &cobra.Command{
		Use:   "create",
		Short: "create a bearer token for a staff account and print it (only its hash is stored)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if days < 0 {
				return fmt.Errorf("--days must be 0 or more")
			}
			d, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer d.Close()
			as := auth.NewService(d)
			st, err := as.StaffByLogin(cmd.Context(), login)
			if err != nil {
				return fmt.Errorf("staff %q: %w", login, err)
			}
			ctx := db.WithActor(cmd.Context(), cliActor())
			raw, _, err := as.CreateToken(ctx, st.ID, name, time.Duration(days)*24*time.Hour)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), raw)
			return nil
		},
	}
	create.Flags().StringVar(&login, "login", "", "login of the staff account")
	create.Flags().StringVar(&name, "name", "cli", "what the token is for")
	create.Flags().IntVar(&days, "days", 0, "days until it expires (0: never)")
	_ = create.MarkFlagRequired("login")
	cmd.AddCommand(create)
	return cmd
}
