package console

import (
	"net/http"
	"slices"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/request"
	"estateclub/internal/web"
)

// The kinds and subkinds of requests (诉求类型与类别), for the admin
// (settings.write over the group): rename a kind, add, rename, re-code,
// reorder, retire and bring back its subkinds. The four kinds and their
// workflow stay in code.

type requestKindsData struct {
	Kinds []request.KindDef
}

// requestKindOf reads {kind}: one of the four, else not found.
func requestKindOf(r *http.Request) (request.Kind, error) {
	k := request.Kind(r.PathValue("kind"))
	if !slices.Contains(request.Kinds, k) {
		return "", web.NotFoundErr
	}
	return k, nil
}

func (s *handler) requestKindsPage(w http.ResponseWriter, r *http.Request, ferr error) {
	lang := web.Lang(r)
	c, err := s.Requests.Catalogue(r.Context())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	pg := web.Page{Title: s.Cat.T(lang, "requests.kinds.title"), Nav: "settings", Data: requestKindsData{Kinds: c.Kinds}}
	if ferr != nil {
		s.FormError(w, r, "request_kinds", pg, ferr)
		return
	}
	s.Render(w, r, http.StatusOK, "request_kinds", pg)
}

func (s *handler) requestKinds(w http.ResponseWriter, r *http.Request) {
	if _, err := s.AuthorizeGroup(r, auth.SettingsWrite); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.requestKindsPage(w, r, nil)
}

// requestKindStep checks the caller and {kind}, runs one edit and shows
// the page again at the kind.
func (s *handler) requestKindStep(w http.ResponseWriter, r *http.Request, act func(k request.Kind) error) {
	if _, err := s.AuthorizeGroup(r, auth.SettingsWrite); err != nil {
		s.Fail(w, r, err)
		return
	}
	k, err := requestKindOf(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := act(k); err != nil {
		s.requestKindsPage(w, r, err)
		return
	}
	web.Redirect(w, r, "/requests/kinds#kind-"+string(k), "flash.request.kinds")
}

func (s *handler) requestKindRename(w http.ResponseWriter, r *http.Request) {
	s.requestKindStep(w, r, func(k request.Kind) error {
		_, err := s.Requests.RenameKind(r.Context(), k, request.KindNames{Name: r.PostFormValue("name"), NameEN: r.PostFormValue("name_en")})
		return err
	})
}

func (s *handler) requestSubkindAdd(w http.ResponseWriter, r *http.Request) {
	s.requestKindStep(w, r, func(k request.Kind) error {
		_, err := s.Requests.AddSubkind(r.Context(), k, request.SubkindInput{Code: request.Subkind(r.PostFormValue("code")),
			Name: r.PostFormValue("name"), NameEN: r.PostFormValue("name_en")})
		return err
	})
}

// requestSubkindUpdate saves a subkind's form: its names, its code when
// the form offers it, and whether it is retired.
func (s *handler) requestSubkindUpdate(w http.ResponseWriter, r *http.Request) {
	s.requestKindStep(w, r, func(k request.Kind) error {
		name, nameEN := r.PostFormValue("name"), r.PostFormValue("name_en")
		in := request.SubkindUpdate{Name: &name, NameEN: &nameEN}
		if r.PostForm.Has("code") {
			code := request.Subkind(r.PostFormValue("code"))
			in.Code = &code
		}
		if r.PostForm.Has("retired_set") {
			retired := r.PostFormValue("retired") == "1"
			in.Retired = &retired
		}
		_, err := s.Requests.UpdateSubkind(r.Context(), k, request.Subkind(r.PathValue("subkind")), in)
		return err
	})
}

// requestSubkindMove moves a subkind one place up or down its kind's list.
func (s *handler) requestSubkindMove(w http.ResponseWriter, r *http.Request) {
	s.requestKindStep(w, r, func(k request.Kind) error {
		c, err := s.Requests.Catalogue(r.Context())
		if err != nil {
			return err
		}
		var codes []request.Subkind
		for _, d := range c.Kind(k).Subkinds {
			codes = append(codes, d.Code)
		}
		i := slices.Index(codes, request.Subkind(r.PathValue("subkind")))
		if i < 0 {
			return apperr.NotFoundf("诉求细类", "request subkind")
		}
		j := i - 1
		switch r.PostFormValue("dir") {
		case "up":
		case "down":
			j = i + 1
		default:
			return apperr.Field("dir", "请选择上移或下移", "choose up or down")
		}
		if j < 0 || j >= len(codes) {
			return nil // already first or last
		}
		codes[i], codes[j] = codes[j], codes[i]
		_, err = s.Requests.ReorderSubkinds(r.Context(), k, codes)
		return err
	})
}
