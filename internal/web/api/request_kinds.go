package api

import (
	"slices"

	"estateclub/internal/org"
	rq "estateclub/internal/request"
	"estateclub/internal/web"
)

// The kinds and subkinds of requests (诉求类型与类别): every staff member
// may read them (an intake client offers the subkinds not retired); the
// admin (settings.write over the group) renames a kind and adds, renames,
// re-codes, retires and reorders its subkinds. The routes that change them
// load the group's root with s.AuthorizeGroup.

// requestKindsList lists the four kinds with their names and subkinds,
// retired ones too.
func (s *handler) requestKindsList(r *request[none]) (any, error) {
	c, err := s.Requests.Catalogue(r.Context())
	if err != nil {
		return nil, err
	}
	return items(c.Kinds, nil)
}

// kindOf reads {kind}: one of the four, else not found.
func kindOf[B any](r *request[B]) (rq.Kind, error) {
	k := rq.Kind(r.PathValue("kind"))
	if !slices.Contains(rq.Kinds, k) {
		return "", web.NotFoundErr
	}
	return k, nil
}

func (s *handler) requestKindPut(r *request[rq.KindNames], _ *org.Node) (any, error) {
	k, err := kindOf(r)
	if err != nil {
		return nil, err
	}
	return s.Requests.RenameKind(r.Context(), k, r.Body)
}

func (s *handler) requestSubkindCreate(r *request[rq.SubkindInput], _ *org.Node) (any, error) {
	k, err := kindOf(r)
	if err != nil {
		return nil, err
	}
	d, err := s.Requests.AddSubkind(r.Context(), k, r.Body)
	if err != nil {
		return nil, err
	}
	return created(d), nil
}

func (s *handler) requestSubkindPut(r *request[rq.SubkindUpdate], _ *org.Node) (any, error) {
	k, err := kindOf(r)
	if err != nil {
		return nil, err
	}
	return s.Requests.UpdateSubkind(r.Context(), k, rq.Subkind(r.PathValue("subkind")), r.Body)
}

type subkindOrderBody struct {
	Codes []rq.Subkind `json:"codes"`
}

func (s *handler) requestSubkindOrder(r *request[subkindOrderBody], _ *org.Node) (any, error) {
	k, err := kindOf(r)
	if err != nil {
		return nil, err
	}
	return s.Requests.ReorderSubkinds(r.Context(), k, r.Body.Codes)
}
