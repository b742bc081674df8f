package request

import (
	"context"
	"slices"
	"sync"
	"time"

	"estateclub/internal/db"
)

// The catalogue of kinds and subkinds (诉求类型与细类). The four kinds are
// fixed in code, since they carry workflow (due times, the PIPL rules of
// privacy requests); the admin names them and keeps their subkinds in the
// table request_subkinds: adds, renames, reorders and retires them. A
// retired subkind is no longer offered for new requests, but the requests
// that have it keep it and show its name.

// SubkindDef is a subkind as the admin keeps it (诉求细类).
type SubkindDef struct {
	Kind     Kind    `json:"kind"`
	Code     Subkind `json:"code"`
	Name     string  `json:"name"`    // Chinese
	NameEN   string  `json:"name_en"` // English
	Position int     `json:"position"`
	Retired  bool    `json:"retired"`
	BuiltIn  bool    `json:"built_in"` // the PIPL subkinds: never retired nor re-coded
}

// Label is the subkind's name in lang.
func (d SubkindDef) Label(lang string) string { return pick([2]string{d.Name, d.NameEN}, lang) }

// KindDef is a kind with its names and its subkinds in display order.
type KindDef struct {
	Kind     Kind         `json:"kind"`
	Name     string       `json:"name"`
	NameEN   string       `json:"name_en"`
	Subkinds []SubkindDef `json:"subkinds"`
}

// Label is the kind's name in lang.
func (d KindDef) Label(lang string) string { return pick([2]string{d.Name, d.NameEN}, lang) }

// Offered lists the subkinds offered for new requests (not retired).
func (d KindDef) Offered() []SubkindDef {
	out := []SubkindDef{}
	for _, s := range d.Subkinds {
		if !s.Retired {
			out = append(out, s)
		}
	}
	return out
}

// Catalogue is a snapshot of the kinds with their names and subkinds, in
// the order of Kinds. A nil catalogue names everything by its built-in
// name, so that a page still shows something when it could not be read.
type Catalogue struct {
	Kinds []KindDef `json:"kinds"`
}

// Kind is a kind's definition (its built-in names and no subkinds for a
// kind the catalogue lacks).
func (c *Catalogue) Kind(k Kind) KindDef {
	if c != nil {
		for _, d := range c.Kinds {
			if d.Kind == k {
				return d
			}
		}
	}
	return KindDef{Kind: k, Name: k.Label(""), NameEN: k.Label("en")}
}

// Subkind finds a subkind of a kind, retired or not.
func (c *Catalogue) Subkind(k Kind, s Subkind) (SubkindDef, bool) { return c.Kind(k).Find(s) }

// Find finds one of the kind's subkinds, retired or not.
func (d KindDef) Find(s Subkind) (SubkindDef, bool) {
	for _, x := range d.Subkinds {
		if x.Code == s {
			return x, true
		}
	}
	return SubkindDef{}, false
}

// Offers reports whether a new request may have the subkind.
func (c *Catalogue) Offers(k Kind, s Subkind) bool {
	d, ok := c.Subkind(k, s)
	return ok && !d.Retired
}

// KindLabel is the kind's name in lang.
func (c *Catalogue) KindLabel(k Kind, lang string) string {
	if l := c.Kind(k).Label(lang); l != "" {
		return l
	}
	return string(k)
}

// SubkindLabel is the name in lang of a subkind of a kind, retired or not:
// its built-in name, else its code, when the catalogue lacks it.
func (c *Catalogue) SubkindLabel(k Kind, s Subkind, lang string) string {
	if d, ok := c.Subkind(k, s); ok {
		return d.Label(lang)
	}
	if l := s.Label(lang); l != "" {
		return l
	}
	return string(s)
}

// AnySubkindLabel names a subkind whose kind is not known (an audit
// line's value): the first kind that has it.
func (c *Catalogue) AnySubkindLabel(s Subkind, lang string) string {
	for _, k := range Kinds {
		if d, ok := c.Subkind(k, s); ok {
			return d.Label(lang)
		}
	}
	return c.SubkindLabel("", s, lang)
}

// Topic is "kind · subkind" in lang.
func (c *Catalogue) Topic(k Kind, s Subkind, lang string) string {
	return c.KindLabel(k, lang) + " · " + c.SubkindLabel(k, s, lang)
}

// CatalogueTTL is how long a server keeps the catalogue before reading it
// again. Several servers share the database, and an edit on one only
// clears that one's copy: the others show a rename or a retirement within
// this time. Names and offered lists may be that stale; what decides —
// whether a new request or routing rule may have a subkind — reads the
// table in its own transaction, so a retired subkind is refused at once
// everywhere. Reading per request would cost a query on every page that
// names a kind, member pages included, for lists that change a few times
// a year.
const CatalogueTTL = 10 * time.Second

// catalogueCache is a Service's copy of the catalogue.
type catalogueCache struct {
	mu   sync.Mutex
	c    *Catalogue
	read time.Time
}

func (cc *catalogueCache) clear() {
	cc.mu.Lock()
	cc.c = nil
	cc.mu.Unlock()
}

// Catalogue is the kinds and subkinds, read at most CatalogueTTL ago.
func (s *Service) Catalogue(ctx context.Context) (*Catalogue, error) {
	cc := &s.kinds
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.c != nil && time.Since(cc.read) < CatalogueTTL {
		return cc.c, nil
	}
	var c *Catalogue
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		c, err = loadCatalogue(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	cc.c, cc.read = c, time.Now()
	return c, nil
}

// Labels is the cached catalogue for a page or a file that only names
// kinds and subkinds: when it cannot be read, nil, which names them by
// their built-in names (the page's own queries report the database).
func (s *Service) Labels(ctx context.Context) *Catalogue {
	c, err := s.Catalogue(ctx)
	if err != nil {
		return nil
	}
	return c
}

// loadCatalogue reads the catalogue in a transaction.
func loadCatalogue(ctx context.Context, tx *db.Tx) (*Catalogue, error) {
	c := &Catalogue{}
	rows, err := tx.Query(ctx, "SELECT kind, name_zh, name_en FROM request_kind_labels")
	if err != nil {
		return nil, err
	}
	names := map[Kind][2]string{}
	for rows.Next() {
		var k Kind
		var n [2]string
		if err := rows.Scan(&k, &n[0], &n[1]); err != nil {
			rows.Close()
			return nil, err
		}
		names[k] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, k := range Kinds {
		n, ok := names[k]
		if !ok {
			n = kindLabels[k]
		}
		c.Kinds = append(c.Kinds, KindDef{Kind: k, Name: n[0], NameEN: n[1], Subkinds: []SubkindDef{}})
	}
	rows, err = tx.Query(ctx, `SELECT kind, code, name_zh, name_en, position, retired, built_in
		FROM request_subkinds ORDER BY kind, position, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var d SubkindDef
		if err := rows.Scan(&d.Kind, &d.Code, &d.Name, &d.NameEN, &d.Position, &d.Retired, &d.BuiltIn); err != nil {
			return nil, err
		}
		if i := slices.Index(Kinds, d.Kind); i >= 0 {
			c.Kinds[i].Subkinds = append(c.Kinds[i].Subkinds, d)
		}
	}
	return c, rows.Err()
}
