package member

import (
	"context"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/org"
	"estateclub/internal/validate"
)

// PropertyInput is a home to record for a member (房产信息).
type PropertyInput struct {
	ProjectCode  string `json:"project"`
	Building     string `json:"building"`
	Unit         string `json:"unit"`
	ContractDate string `json:"contract_date"`
	PaymentDate  string `json:"payment_date"`
	HandoverDate string `json:"handover_date"`
}

func (in PropertyInput) dates() (c, p, h db.Date, err error) {
	parse := func(field, s string) (db.Date, error) {
		if strings.TrimSpace(s) == "" {
			return db.Date{}, nil
		}
		t, err := validate.Date(field, s)
		return db.Date{Time: t}, err
	}
	if c, err = parse("contract_date", in.ContractDate); err != nil {
		return
	}
	if p, err = parse("payment_date", in.PaymentDate); err != nil {
		return
	}
	h, err = parse("handover_date", in.HandoverDate)
	return
}

// AddProperty records a home the member owns.
func (s *Service) AddProperty(ctx context.Context, memberID int64, in PropertyInput) (*Member, error) {
	building, err := text("building", in.Building, 32)
	if err != nil {
		return nil, err
	}
	unit, err := text("unit", in.Unit, 32)
	if err != nil {
		return nil, err
	}
	if building == "" || unit == "" {
		return nil, apperr.Field("unit", "请填写楼栋和房号", "building and unit are required")
	}
	c, p, h, err := in.dates()
	if err != nil {
		return nil, err
	}
	var m *Member
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		if err := addProperty(ctx, tx, memberID, in.ProjectCode, building, unit, c, p, h); err != nil {
			return err
		}
		r, err := s.loadRow(ctx, tx, "m.id = ?", memberID)
		if err != nil {
			return err
		}
		m = &r.Member
		if err := recordChange(ctx, tx, memberID, source(tx), "property", "", in.ProjectCode+" "+building+"-"+unit); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "member.property.add", ObjectType: "member", ObjectID: memberID,
			NodePath: r.NodePath, Summary: "登记房产 " + in.ProjectCode + " " + building + "-" + unit})
	})
	return m, err
}

func addProperty(ctx context.Context, tx *db.Tx, memberID int64, projectCode, building, unit string, c, p, h db.Date) error {
	var pid int64
	var kind string
	err := tx.QueryRow(ctx, "SELECT id, kind FROM org_nodes WHERE code = ?", org.NormalizeCode(projectCode)).Scan(&pid, &kind)
	if isNoRows(err) || (err == nil && kind != string(org.Project)) {
		return apperr.Field("project", "项目 "+projectCode+" 不存在", "project "+projectCode+" does not exist")
	}
	if err != nil {
		return err
	}
	var exists int
	if exists, err = tx.Count(ctx, "SELECT count(*) FROM members WHERE id = ?", memberID); err != nil {
		return err
	}
	if exists == 0 {
		return apperr.NotFoundf("会员", "member")
	}
	_, err = tx.Exec(ctx, `INSERT INTO member_properties (member_id, project_id, building, unit, contract_date, payment_date, handover_date, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, memberID, pid, building, unit, c, p, h, tx.Now)
	return err
}

// addProperties records the homes of an application, skipping ones the
// member already has (a re-submitted application adds nothing twice).
func addProperties(ctx context.Context, tx *db.Tx, memberID int64, props []propertyRow) error {
	for _, pr := range props {
		n, err := tx.Count(ctx, `SELECT count(*) FROM member_properties p JOIN org_nodes n ON n.id = p.project_id
			WHERE p.member_id = ? AND n.code = ? AND p.building = ? AND p.unit = ?`, memberID, org.NormalizeCode(pr.project), pr.building, pr.unit)
		if err != nil {
			return err
		}
		if n == 0 {
			if err := addProperty(ctx, tx, memberID, pr.project, pr.building, pr.unit, pr.contract, pr.payment, pr.hand); err != nil {
				return err
			}
		}
	}
	return nil
}
