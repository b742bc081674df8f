package request

// Labels are [Chinese, English].
var (
	kindLabels = map[Kind][2]string{
		Complaint: {"投诉", "Complaint"}, Privacy: {"保密", "Privacy"},
		Correction: {"调整", "Correction"}, Suggestion: {"建议", "Suggestion"},
	}
	subkindLabels = map[Subkind][2]string{
		SubProperty: {"物业", "Property"}, SubService: {"服务质量", "Service quality"}, SubOther: {"其他", "Other"},
		SubDataStorage: {"资料保存", "Data storage"}, SubDataLent: {"资料外借", "Data lent out"},
		SubLostPassword: {"密码遗失", "Lost password"}, SubDataCopy: {"复制我的个人信息", "A copy of my data"},
		SubAccountDeletion: {"注销账户", "Delete my account"}, SubProfile: {"个人资料", "Profile"},
		SubPoints: {"积分", "Points"}, SubEvents: {"活动", "Events"}, SubPublications: {"刊物", "Publications"},
		SubWebsite: {"网站", "Website"},
	}
	channelLabels = map[Channel][2]string{
		Portal: {"会员自助", "Portal"}, Phone: {"电话", "Phone"}, Site: {"现场", "On site"}, Forum: {"论坛", "Forum"},
	}
	statusLabels = map[Status][2]string{
		Open: {"待受理", "Open"}, Assigned: {"已分派", "Assigned"}, InProgress: {"处理中", "In progress"},
		Resolved: {"已解决", "Resolved"}, Closed: {"已关闭", "Closed"},
	}
	departmentLabels = map[string][2]string{
		"design": {"设计部", "Design"}, "engineering": {"工程部", "Engineering"},
		"market_research": {"市场研究部", "Market research"}, "brand": {"品牌部", "Brand"},
		"planning": {"策划部", "Planning"}, "property": {"物业公司", "Property management"},
		"customer_relations": {"客户关系部", "Customer relations"},
	}
)

func pick(l [2]string, lang string) string {
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

// Label is the kind's name in lang ("en" or Chinese).
func (k Kind) Label(lang string) string { return pick(kindLabels[k], lang) }

// Label is the subkind's name in lang.
func (k Subkind) Label(lang string) string { return pick(subkindLabels[k], lang) }

// Label is the channel's name in lang.
func (c Channel) Label(lang string) string { return pick(channelLabels[c], lang) }

// Label is the status's name in lang.
func (s Status) Label(lang string) string { return pick(statusLabels[s], lang) }

// DepartmentLabel is a department's name in lang.
func DepartmentLabel(code, lang string) string { return pick(departmentLabels[code], lang) }
