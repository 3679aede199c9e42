"""The English and Arabic text of ledger entry explanations (see :mod:`entry_explanations`).

Kept apart from the explanation logic so :mod:`walaa.domain.explanations` can merge these
templates into its catalogs without importing the code that builds them.
"""

ENTRY_EN: dict[str, str] = {
    "entry.generic": "{points} points: {kind}",
    "entry.earn": "{points} points earned",
    "entry.earn.order": "{points} points earned on order {order}",
    "entry.earn.event": "{points} points earned for event {event}",
    "entry.earn.membership": "{points} points granted by membership {membership}",
    "entry.earn.referral.advocate": (
        "{points} points for referring a friend (referral {referral}, their order {friend_order})"
    ),
    "entry.earn.referral.friend": (
        "{points} points for joining through a friend (referral {referral})"
    ),
    "entry.reversal.referral": (
        "{points} points taken back: the friend's order {order} of referral {referral} was "
        "refunded within the return window"
    ),
    "entry.adjust.give": "{points} points given by the store: {reason}",
    "entry.adjust.take": "{points} points taken by the store: {reason}",
    "entry.spend": "{points} points spent",
    "entry.spend.reward": "{points} points spent on the reward {reward} (redemption {redemption})",
    "entry.spend.order": "{points} points spent on order {order}",
    "entry.spend.cause": "{points} points given to the cause {cause}, worth {gift}",
    "entry.hold": "{points} points held for a checkout (hold {hold})",
    "entry.hold.plain": "{points} points held for a checkout",
    "entry.capture.order": "{points} points paid for order {order} (hold {hold})",
    "entry.capture.order.partial": (
        "{points} points paid for order {order} (hold {hold}); "
        "the other {released} held points came back"
    ),
    "entry.capture": "{points} points paid at checkout (hold {hold})",
    "entry.capture.plain": "{points} points paid at checkout",
    "entry.release": "{points} points returned: the checkout of hold {hold} was not completed",
    "entry.release.plain": "{points} points returned: the checkout was not completed",
    "entry.mature": "{points} points became spendable: the return window has passed",
    "entry.expire": "{points} points expired",
    "entry.expire.inactive": (
        "{points} points expired: none were earned or spent for {inactive_days} days"
    ),
    "entry.forfeit.reason": "{points} points forfeited: the account was closed ({reason})",
    "entry.forfeit": "{points} points forfeited: the account was closed",
    "entry.reversal.refund.taken": (
        "{points} points taken back for refund {refund} of order {order}"
    ),
    "entry.reversal.refund.back": (
        "{points} points given back for refund {refund} of order {order}"
    ),
    "entry.reversal.cancel.taken": "{points} points taken back: order {order} was cancelled",
    "entry.reversal.refund.taken.forgiven": (
        "{points} points taken back for refund {refund} of order {order}; {forgiven} more "
        "were already spent and are forgiven"
    ),
    "entry.reversal.cancel.taken.forgiven": (
        "{points} points taken back: order {order} was cancelled; {forgiven} more were "
        "already spent and are forgiven"
    ),
    "entry.reversal.cancel.back": "{points} points given back: order {order} was cancelled",
    "entry.reversal.refund.code": (
        "{points} points given back: the reward {reward} (redemption {redemption}) paid for "
        "order {order}, refunded by {refund}"
    ),
    "entry.reversal.cancel.code": (
        "{points} points given back: the reward {reward} (redemption {redemption}) paid for "
        "order {order}, which was cancelled"
    ),
    "entry.reversal.refund.paid": (
        "{points} points that paid for order {order} (hold {hold}) given back by refund {refund}"
    ),
    "entry.reversal.cancel.paid": (
        "{points} points that paid for order {order} (hold {hold}) given back: "
        "the order was cancelled"
    ),
    "entry.reversal.redemption": "{points} points given back: redemption {redemption} {status}",
    "entry.reversal.redemption.unused": (
        "{points} points of the {unused_uses} unused use(s) given back: "
        "redemption {redemption} {status}"
    ),
    "entry.reversal.taken": "{points} points taken back (reverses transaction {transaction})",
    "entry.reversal.back": "{points} points given back (reverses transaction {transaction})",
    "entry.reversal.reason.taken": (
        "{points} points taken back (reverses transaction {transaction}): {reason}"
    ),
    "entry.reversal.reason.back": (
        "{points} points given back (reverses transaction {transaction}): {reason}"
    ),
    "entry.lot.taken": "{points} from lot {lot}, earned {date}",
    "entry.lot.taken.source": "{points} from lot {lot}, earned {date} ({source})",
    "entry.lot.returned": "{points} back to lot {lot}, earned {date}",
    "entry.lot.returned.source": "{points} back to lot {lot}, earned {date} ({source})",
    "entry.lot.debt": "{points} of them repaid a debt",
    "label.status.cancelled": "was cancelled",
    "label.status.expired": "expired unused",
}

ENTRY_AR: dict[str, str] = {
    "entry.generic": "{points} نقطة: {kind}",
    "entry.earn": "كُسبت {points} نقطة",
    "entry.earn.order": "كُسبت {points} نقطة على الطلب {order}",
    "entry.earn.event": "كُسبت {points} نقطة عن النشاط {event}",
    "entry.earn.membership": "مُنحت {points} نقطة من العضوية {membership}",
    "entry.earn.referral.advocate": (
        "{points} نقطة لإحالتك صديقاً (الإحالة {referral}، طلبه {friend_order})"
    ),
    "entry.earn.referral.friend": "{points} نقطة لانضمامك عن طريق صديق (الإحالة {referral})",
    "entry.reversal.referral": (
        "استُردت {points} نقطة: استُرجع طلب الصديق {order} للإحالة {referral} خلال مدة الإرجاع"
    ),
    "entry.adjust.give": "أضاف المتجر {points} نقطة: {reason}",
    "entry.adjust.take": "خصم المتجر {points} نقطة: {reason}",
    "entry.spend": "أُنفقت {points} نقطة",
    "entry.spend.reward": "أُنفقت {points} نقطة على المكافأة {reward} (الاستبدال {redemption})",
    "entry.spend.order": "أُنفقت {points} نقطة على الطلب {order}",
    "entry.spend.cause": "أُهديت {points} نقطة إلى القضية {cause}، بقيمة {gift}",
    "entry.hold": "حُجزت {points} نقطة لعملية دفع (الحجز {hold})",
    "entry.hold.plain": "حُجزت {points} نقطة لعملية دفع",
    "entry.capture.order": "دُفعت {points} نقطة مقابل الطلب {order} (الحجز {hold})",
    "entry.capture.order.partial": (
        "دُفعت {points} نقطة مقابل الطلب {order} (الحجز {hold})، وأُعيدت {released} نقطة محجوزة أخرى"
    ),
    "entry.capture": "دُفعت {points} نقطة عند الدفع (الحجز {hold})",
    "entry.capture.plain": "دُفعت {points} نقطة عند الدفع",
    "entry.release": "أُعيدت {points} نقطة: لم تكتمل عملية الدفع للحجز {hold}",
    "entry.release.plain": "أُعيدت {points} نقطة: لم تكتمل عملية الدفع",
    "entry.mature": "أصبحت {points} نقطة قابلة للإنفاق بعد انقضاء مهلة الإرجاع",
    "entry.expire": "انتهت صلاحية {points} نقطة",
    "entry.expire.inactive": (
        "انتهت صلاحية {points} نقطة: لم تُكسب أو تُنفق أي نقطة طوال {inactive_days} يومًا"
    ),
    "entry.forfeit.reason": "سقطت {points} نقطة: أُغلق الحساب ({reason})",
    "entry.forfeit": "سقطت {points} نقطة: أُغلق الحساب",
    "entry.reversal.refund.taken": "استُردت {points} نقطة بسبب الاسترجاع {refund} للطلب {order}",
    "entry.reversal.refund.back": "أُعيدت {points} نقطة بسبب الاسترجاع {refund} للطلب {order}",
    "entry.reversal.cancel.taken": "استُردت {points} نقطة: أُلغي الطلب {order}",
    "entry.reversal.refund.taken.forgiven": (
        "استُردت {points} نقطة بسبب الاسترجاع {refund} للطلب {order}، وأُعفي العميل من "
        "{forgiven} نقطة أخرى سبق أن أنفقها"
    ),
    "entry.reversal.cancel.taken.forgiven": (
        "استُردت {points} نقطة: أُلغي الطلب {order}، وأُعفي العميل من {forgiven} نقطة أخرى "
        "سبق أن أنفقها"
    ),
    "entry.reversal.cancel.back": "أُعيدت {points} نقطة: أُلغي الطلب {order}",
    "entry.reversal.refund.code": (
        "أُعيدت {points} نقطة: دفعت المكافأة {reward} (الاستبدال {redemption}) للطلب {order} "
        "الذي استُرجع بالاسترجاع {refund}"
    ),
    "entry.reversal.cancel.code": (
        "أُعيدت {points} نقطة: دفعت المكافأة {reward} (الاستبدال {redemption}) للطلب {order} "
        "الذي أُلغي"
    ),
    "entry.reversal.refund.paid": (
        "أُعيدت {points} نقطة دُفعت مقابل الطلب {order} (الحجز {hold}) بسبب الاسترجاع {refund}"
    ),
    "entry.reversal.cancel.paid": (
        "أُعيدت {points} نقطة دُفعت مقابل الطلب {order} (الحجز {hold}): أُلغي الطلب"
    ),
    "entry.reversal.redemption": "أُعيدت {points} نقطة: الاستبدال {redemption} {status}",
    "entry.reversal.redemption.unused": (
        "أُعيدت {points} نقطة عن {unused_uses} استخدام لم يُستعمل: الاستبدال {redemption} {status}"
    ),
    "entry.reversal.taken": "استُردت {points} نقطة (عكس العملية {transaction})",
    "entry.reversal.back": "أُعيدت {points} نقطة (عكس العملية {transaction})",
    "entry.reversal.reason.taken": "استُردت {points} نقطة (عكس العملية {transaction}): {reason}",
    "entry.reversal.reason.back": "أُعيدت {points} نقطة (عكس العملية {transaction}): {reason}",
    "entry.lot.taken": "{points} من الدفعة {lot} المكتسبة في {date}",
    "entry.lot.taken.source": "{points} من الدفعة {lot} المكتسبة في {date} ({source})",
    "entry.lot.returned": "{points} أُعيدت إلى الدفعة {lot} المكتسبة في {date}",
    "entry.lot.returned.source": "{points} أُعيدت إلى الدفعة {lot} المكتسبة في {date} ({source})",
    "entry.lot.debt": "منها {points} سدّدت دَينًا",
    "label.status.cancelled": "أُلغي",
    "label.status.expired": "انتهت صلاحيته دون استخدام",
}
