package event

// Labels are [Chinese, English].
var (
	kindLabels = map[Kind][2]string{Leisure: {"休闲", "Leisure"}, Business: {"商务", "Business"}, Industry: {"行业", "Industry"}}

	organiserLabels = map[Organiser][2]string{Host: {"主办", "Hosted"}, CoHost: {"内部协办", "Co-hosted"}, Merchant: {"合作商家", "Partner merchant"}}

	statusLabels = map[Status][2]string{
		Draft: {"草稿", "Draft"}, InReview: {"待评审", "In review"}, Returned: {"已退回", "Returned"},
		Approved: {"已批准", "Approved"}, Published: {"报名中", "Open for registration"}, RegClosed: {"报名截止", "Registration closed"},
		Held: {"已举办", "Held"}, Closed: {"已总结", "Closed"}, Cancelled: {"已取消", "Cancelled"},
	}

	pointModeLabels = map[PointMode][2]string{NoPoints: {"不计积分", "No points"}, FixedPoints: {"固定积分", "Fixed points"},
		PlanPoints: {"按积分计划", "By the point plans"}}

	budgetLabels = map[BudgetCategory][2]string{
		BudgetRecruitment: {"会员招募", "Member recruitment"}, BudgetCards: {"会员卡", "Membership cards"},
		BudgetEvents: {"活动（含广告及宣传单）", "Events (incl. ads and flyers)"}, BudgetRedemption: {"积分兑换", "Point redemption"},
		BudgetPublication: {"刊物", "Publications"}, BudgetWebsite: {"网站", "Website"}, BudgetSystem: {"会员系统", "Member system"},
		BudgetPR: {"对外公关", "External PR"},
	}

	regStatusLabels = map[RegStatus][2]string{Registered: {"已报名", "Registered"}, Waiting: {"候补", "Waiting"}, RegCancelled: {"已取消", "Cancelled"}}

	channelLabels = map[Channel][2]string{ByPortal: {"会员自助", "Portal"}, ByStaff: {"员工代报", "By staff"}, ByWalkIn: {"现场签到", "Walk-in"}}

	outcomeLabels = map[Outcome][2]string{Reached: {"已接通", "Reached"}, NoAnswer: {"无人接听", "No answer"},
		WrongNumber: {"号码错误", "Wrong number"}, Declined: {"拒绝回访", "Declined"}}

	historyLabels = map[string][2]string{
		"created": {"新建方案", "proposal created"}, "copied": {"由案例复制", "copied from a case"}, "updated": {"修改方案", "proposal edited"},
		"submitted": {"提交评审", "submitted for review"}, "approved": {"评审通过", "approved"}, "returned": {"评审退回", "returned"},
		"published": {"发布", "published"}, "reg_closed": {"报名截止", "registration closed"}, "held": {"已举办", "held"},
		"closed": {"完成总结", "closed"}, "cancelled": {"取消活动", "cancelled"}, "calls": {"生成回访名单", "call list made"},
		"survey_sent": {"发送满意度问卷", "survey sent"}, "cost": {"登记实际费用", "cost recorded"}, "lessons": {"填写经验总结", "lessons written"},
		"target": {"设置发布对象", "audience set"},
	}

	pointsStatusLabels = map[string][2]string{
		"none": {"不计积分", "no points"}, "pending": {"待发放", "pending"}, "posted": {"已发放", "posted"}, "failed": {"发放失败，待重试", "failed, to retry"},
	}
)

// PointsLabel names a registration's attendance points status in lang
// (empty before check-in).
func PointsLabel(status, lang string) string {
	if l, ok := pointsStatusLabels[status]; ok {
		return pick(l, lang)
	}
	return status
}

func pick(l [2]string, lang string) string {
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

// Label is the type's name in lang ("en" or Chinese).
func (k Kind) Label(lang string) string { return pick(kindLabels[k], lang) }

// Label is the organiser's name in lang.
func (o Organiser) Label(lang string) string { return pick(organiserLabels[o], lang) }

// Label is the status's name in lang.
func (s Status) Label(lang string) string { return pick(statusLabels[s], lang) }

// Label is the point mode's name in lang.
func (m PointMode) Label(lang string) string { return pick(pointModeLabels[m], lang) }

// Label is the budget category's name in lang.
func (c BudgetCategory) Label(lang string) string { return pick(budgetLabels[c], lang) }

// Label is the registration status's name in lang.
func (s RegStatus) Label(lang string) string { return pick(regStatusLabels[s], lang) }

// Label is the channel's name in lang.
func (c Channel) Label(lang string) string { return pick(channelLabels[c], lang) }

// Label is the call outcome's name in lang.
func (o Outcome) Label(lang string) string { return pick(outcomeLabels[o], lang) }

// HistoryLabel names a history line's action in lang (the action itself when unknown).
func HistoryLabel(action, lang string) string {
	l, ok := historyLabels[action]
	if !ok {
		return action
	}
	return pick(l, lang)
}
