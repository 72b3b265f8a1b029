# acht's own words in English. Every message here exists in every language (a test checks it);
# a new language is a new folder with this file translated.

## The answer pages
survey-thanks = Thank you for your answer!
survey-change = Would you like to change your score?
survey-comment-hint = Comment (optional)
survey-send = Send
survey-saved = Saved.
survey-your-score = Your score
survey-followup-default = What is the main reason for your score?

## Words under the lowest and highest score button
scale-low = poor
scale-high = excellent
scale-ces7-low = very difficult
scale-ces7-high = very easy
scale-nps11-low = very unlikely
scale-nps11-high = very likely

## Error pages
error-not-found-title = We don't know this link
error-not-found-body = Please check that you used the whole link from the email.
error-expired-title = This survey has closed
error-expired-body = This link has expired. Thank you for your interest!
error-bad-form-title = Something went wrong
error-bad-form-body = Please choose a score and try again.
error-unavailable-title = One moment
error-unavailable-body = We cannot save your answer right now. Please try again shortly.
error-no-page-title = This page does not exist
error-no-page-body = Please check the address, or use the link from the email.

## The retention finding in one sentence
analysis-good-enough = Customers who give { $article } { $score } stay as often as those who give more: { $rate } retained at { $score } vs { $rate_above } above (gain above { $score }: { $gain } points, 95% CI { $ci_low } to { $ci_high }, within the { $margin }-point margin).
analysis-good-enough-short = A score of { $score } is good enough: scores above it do not retain customers better.
analysis-no-score = Every step up the scale still pays off, or there are too few customers to tell: no score is good enough within the { $margin }-point margin.
analysis-not-computed = No good-enough score can be computed: { $reason }.
analysis-too-little-data = too little data
headline-threshold = { $article_cap } { $score } is good enough: customers who give { $above } stay at most { $above_high } points more often than those who give { $article } { $score } (95%), while going from { $prev } to { $score } keeps { $below } points more of them ({ $below_low } to { $below_high }).
headline-still-rising = Retention still rises at the top: customers who give { $above } stay { $gain } points more often than those who give { $article } { $score } ({ $low } to { $high }, 95%), so no score is good enough yet.
headline-no-relation = The score does not tell who stays: from { $lowest } to { $highest }, retention differs by { $gain } points ({ $low } to { $high }, 90%), within the { $margin }-point margin.
headline-not-enough-needed = Not enough data to tell yet: about { $needed } customers with answers would decide it ({ $customers } now).
headline-not-enough = Not enough data to tell yet: too few customers left after answering to compare the scores (customers with answers: { $customers }).
headline-or = or
headline-method = Churn rate by each customer's latest answer at the same tenure (Poisson regression on person-time); a score is good enough when the step into it lowers churn and all scores above it add less than half of that step, both at 95% over all scores tried (Bonferroni).
error-forbidden-title = Not allowed
error-forbidden-body = You cannot do this here. If you followed a form, reload the page and try again.

## The analyst app
lang-nl = Nederlands
lang-en = English
app-skip = Skip to content
app-nav = Main
app-signout = Sign out
nav-overview = Overview
nav-trends = Trends
nav-retention = Retention
nav-answers = Answers
nav-users = Users
signin-title = Sign in
signin-email = Email
signin-password = Password
signin-submit = Sign in
signin-wrong = That email and password do not match an account.
signin-throttled = Too many attempts. Wait a quarter of an hour and try again.

metric-grade10 = Mean grade
metric-ces7 = Mean effort score
metric-nps11 = NPS
metric-csat5 = CSAT
fig-answers = Answers
fig-invited = Invited
fig-response-rate = Response rate
fig-share = Share scoring
fig-thin = thin
change-up = clear rise
change-down = clear fall

overview-title = How customers rate you
overview-lead = The last four complete weeks against the four weeks before, the same period on every card. Only changes that are statistically clear are called out.
overview-empty = There are no surveys yet. Create one through the API, or on the server with the command: acht survey create.
overview-vs = vs
overview-now = Now
overview-before = Before
overview-no-clear-change = No clear change: the differences are within what chance gives.
overview-ge-found = The good-enough score comes from this survey's retention analysis.
overview-ge-default = No retention analysis has found a good-enough score yet: the scale's usual one is used.

filters = Filters
filter-survey = Survey
filter-touchpoint = Touchpoint
filter-channel = Channel
filter-segment = Customers
filter-all = All
filter-all-customers = All customers
filter-grain = Per
filter-from = From
filter-to = To
filter-score = Score
filter-state = State
filter-search = Comment contains
filter-show = Show
grain-day = day
grain-week = week
grain-month = month
download-csv = Download as CSV

trends-title = Trends
trends-empty = No answers in this period for these filters.
trends-metric-lead = The line is the metric, the band its 95% interval; bars show the number of answers. Hollow points are thin buckets; triangles mark clear changes.
trends-table = The figures
col-bucket = Period

help-title = How to read these figures
help-intervals = Each figure comes with its 95% interval: the range that holds the true value for 95 of 100 such samples. Means use Student's t; NPS the normal approximation of its variance; shares and the response rate Wilson's interval.
help-changes = A change against the previous period is called clear when its test stays below 5% after Holm's correction for all changes shown together. Means: Welch's t-test; NPS: a z-test on the difference; shares: the two-proportion z-test. Anything else is within what chance gives, however large it looks.
help-thin = Periods with fewer than 30 answers are marked thin: their interval is wide and they rarely show a clear change.
help-response-rate = The response rate counts invitations by the day they were sent and how many of them got an answer that counts.
help-days = Days are UTC days. Answers count from the moment they are counted (one-click answers from a person, not from mail scanners).

ret-title = Retention and the good-enough score
ret-computing = The analysis of this survey is being computed. This page refreshes itself.
ret-computed-at = Computed at
ret-stale = new answers or churn since; a new analysis follows within minutes
ret-customers = customers
ret-horizon = horizon
ret-days-unit = days
ret-by-score = Retention by score
ret-by-score-lead = Each customer's first answer and whether they were still a customer a horizon later (descriptive; the verdict above uses every answer).
ret-details = For statisticians: the bend of the first answers' curve, and the computation
ret-took = This analysis was computed in
ret-verdict-title = Churn by latest answer
ret-verdict-lead = Retained over the horizon by each customer's latest answer, at the same tenure (95% intervals); beside it the same without adjusting for tenure, where long-standing customers make higher scores look better.
ret-verdict-chart = Retained by latest answer, tenure-adjusted
ret-latest-score = Latest score
ret-left = Left
ret-years-at-risk = Years at risk
ret-adjusted = Retained, tenure-adjusted
ret-raw = Retained, raw
ret-score = Score
ret-retained-pct = Retained (%)
ret-ge-line = good enough: { $score }
ret-steps = From one score to the next
ret-steps-lead = The difference in retention between adjacent scores, with its 95% interval, the Holm-corrected p-value and the smallest difference these numbers would likely have detected (80% power).
ret-step = Step
ret-diff = Difference (points)
ret-holm-p = p (Holm)
ret-mde-col = Detectable (points)
ret-clear = clear
ret-hinge-title = Where the curve bends
ret-hinge-lead = A logistic curve with one bend, fitted at every score; the bend is where it fits best (the lower chart shows how much better).
ret-hinge-fit = Fitted curve with a bend
ret-observed = Observed
ret-bend = bend at { $score }
ret-bend-at = Bend at score
ret-profile = Log-likelihood
ret-profile-title = How well a bend at each score fits
ret-loglik = Log-likelihood
ret-km-title = Customers still with you, by score band
ret-km-lead = Kaplan–Meier estimates with 95% intervals, from each customer's first answer.
ret-days = Days after the first answer
ret-still-customer = Still a customer (%)
ret-nps-title = Retention by NPS group
ret-group = Group
ret-nps-note = NPS calls an 8 "passive", yet customers who gave an 8 were retained at { $eight } against { $promoters } for promoters ({ $gap } points).
ret-limits = What these data cannot tell
ret-few-customers = Only { $n } customers answered: the intervals are wide, and small differences cannot be seen.
ret-mde = The least certain step is { $from } → { $to }: a difference smaller than about { $mde } points there would likely go unnoticed.
ret-thin-levels = Fewer than 30 customers gave these scores, so their rates are rough: { $scores }.
ret-association = These figures show which customers stay, not why: a score and retention can both follow from something else (tenure, product, price).
nps-detractor = Detractors (≤ 6)
nps-passive = Passives (7–8)
nps-promoter = Promoters (9–10)

answers-title = Answers
answers-none = No answers match these filters.
answers-customer = Customer
answers-interaction = interaction
answers-invited = invited
answers-pages = Pages
answers-newest = Newest
answers-older = Older
state-counted = counted
state-provisional = provisional
state-unverified = unverified
state-scanner = scanner

users-title = Users
users-role = Role
users-since = Since
users-new = New user
users-password-hint = at least 10 characters
users-create = Create
users-created = Account { $email } created.

## Survey emails
mail-invitation-lead = One click on a score is all it takes.
mail-invitation-why = You receive this email because you were recently in touch with { $company }. We ask each customer for a score now and then, never more than once every { $days } days.
mail-invitation-why-plain = You receive this email because you were recently in touch with { $company }.
mail-invitation-open = Open the question in your browser
mail-text-scores = Choose a score:
mail-unsubscribe = Unsubscribe from these questions

## Unsubscribing from survey emails
unsub-title = No more questions from { $company }?
unsub-body = You will no longer get short questions about your contacts with { $company } at this address.
unsub-button = Unsubscribe
unsub-done-title = You are unsubscribed
unsub-done-body = You will get no more questions from { $company }. Thank you for your answers so far.
unsub-undo = Undo: send me questions again
resub-done-title = You will get questions again
resub-done-body = Thank you! { $company } may ask you for a score again after a contact.

## Report emails
report-title = { $company }: how customers rated you, { $period }
report-lead = Compared with the period before ({ $previous }). Only changes that are statistically clear are called out.
report-overall = Overall
report-touchpoints = Per touchpoint
report-lowest = Lowest scores with a comment
report-no-comments = No comments came with the scores of this period.
report-open = Open the trends in acht
report-footer = You receive this { $frequency } report because { $email } is subscribed to it.
freq-daily = daily
freq-weekly = weekly
freq-monthly = monthly
resub-refused-body = { $company } unsubscribed this address itself. Please ask { $company } if you would like their questions again.
report-stop-link = Stop this report
report-stop-title = Stop this report?
report-stop-body = You will no longer receive this report at this address. Other reports and the analyst app stay as they are.
report-stop-button = Stop the report
report-stopped-title = The report is stopped
report-stopped-body = You will no longer receive it. Your acht administrator can subscribe you again.
trends-so-far = so far
overview-no-answers = No answers in these four weeks.
overview-last-answer = The last answer came on { $day }.
overview-too-few = Fewer than 30 answers in a period: too few for a figure, so none is shown and no change is called.
overview-this-week = Answers so far this week (not yet compared): { $count }
survey-comment-thanks = Thank you for your comment!
survey-comment-saved = Your comment has been sent. Every comment is read.
survey-edit = Change your score or comment
percent = { $value }%
interval = { $low } to { $high }
date = { $day } { $month } { $year }
month-1 = Jan
month-2 = Feb
month-3 = Mar
month-4 = Apr
month-5 = May
month-6 = Jun
month-7 = Jul
month-8 = Aug
month-9 = Sep
month-10 = Oct
month-11 = Nov
month-12 = Dec
app-error-not-found-title = This page does not exist
app-error-not-found-body = The address may be mistyped, or what it showed no longer exists. The menu above leads to every page.
app-error-forbidden-title = Not allowed
app-error-forbidden-body = Your account cannot open this, or the form had expired. Reload the page and try again; an administrator can change your role.
app-error-bad-request-title = This address has a value acht cannot read
app-error-bad-request-body = A filter, date or score in the address is not one acht knows (a score must be a whole number, a date must be a date). Choose the filters on the page again.
app-error-unavailable-title = One moment
app-error-unavailable-body = acht cannot reach its database right now. Try again in a minute; nothing you did was lost.
users-error-exists = There is already an account for { $email }.
users-error-password = Choose a password of at least { $min } characters.
users-error-email = Enter the email address the person signs in with, like name@company.example.
ret-missing-levels = Not shown: { $scores }. No customer in this analysis has one of these as their latest answer, so there is nothing to estimate for them.
answers-count = Matching answers: { $count }
answers-count-more = Matching answers: more than { $count }
answers-none-yet = No answers yet. They appear here as customers answer.
account-title = Your account
account-saved = Saved.
account-time-zone = Time zone
account-time-zone-hint = Every time in the app (answers, the analysis, accounts) is shown in this zone and names it. Days on trend pages and in reports stay UTC days.
account-save = Save
resub-too-late-body = This link can no longer undo it: the unsubscribe is more than 30 days old, or the link has expired. Please ask { $company } if you would like their questions again.
users-state = State
users-actions = Actions
users-state-active = active
users-state-disabled = disabled
users-enable = Enable
users-disable = Disable
users-make-admin = Make admin
users-make-analyst = Make analyst
users-reset-password = New password
users-error-own = You cannot disable your own account or change its role: ask another admin.
users-password-reset = New password for { $email } (shown once): { $password } — their sessions ended.
users-disabled = { $email } is disabled: its sessions ended, it cannot sign in and gets no reports.
users-enabled = { $email } can sign in again.
users-role-changed = The role of { $email } changed; its sessions ended.
users-unlock = Unlock
users-unlocked = The failed sign-ins of { $email } are forgotten: it can sign in from anywhere at once.

# The customer page
nav-customers = Customers
customers-title = Customers
customers-find = Customer id or email address
customers-find-button = Find
customers-find-hint = The id is the one your systems report customers by.
customers-none = No customer has the id or address “{ $typed }”.
customer-title = Customer { $id }
customer-email = Email
customer-no-email = none
customer-language = Language
customer-first-seen = First seen
customer-retention = Retention
customer-active = still a customer
customer-churned = left on { $at }
customer-committed = under contract until { $until }
customer-surveys = Surveys
customer-unsubscribed = unsubscribed on { $at }
customer-privacy = Personal data
customer-erased = erased on { $at }
customer-erased-now = The customer's personal data was erased. Scores and dates stay in the figures.
customer-answers = Answers
customer-no-answers = No answers from this customer.
customer-contacts = Interactions
customer-no-contacts = No interactions reported.
customer-events = Events
customer-data = Their data
customer-download = Download everything about this customer (JSON)
customer-erase-confirm = To erase this customer's personal data, type their id ({ $id }):
customer-erase-hint = Address, attributes, comments and browser details are removed for good; scores and dates stay in the figures. Their survey links close.
customer-erase = Erase personal data
decision-invited = invited
decision-throttled = not invited: asked recently
decision-sampled_out = not invited: not in the sample
decision-no_email = not invited: no address
decision-unsubscribed = not invited: unsubscribed
decision-erased = not invited: data erased
decision-no_matching_survey = not invited: no survey for this touchpoint
invitation-pending = email waiting
invitation-opened = link opened
invitation-answered = answered
invitation-expired = expired unanswered
event-churn = left
event-renewal = stayed (renewed)
event-unsubscribe = unsubscribed
event-resubscribe = subscribed again
answers-customer-link = Customer page

audit-title = Audit log
audit-lead = Who downloaded or erased a customer's data, and when. The log names customers by acht's own number, so it keeps no personal data of theirs; the newest 500 entries.
audit-none = Nobody has downloaded or erased a customer's data yet.
audit-customer_exported = Data downloaded:
audit-customer_erased = Personal data erased:
users-audit = Audit log: who downloaded or erased customers' data

keys-title = API keys
keys-lead = Your systems report interactions and churn with these keys (the JSON API, header Authorization: Bearer KEY). acht keeps only a hash of each key.
keys-made = New key “{ $name }”:
keys-made-once = Copy it now: it is shown this once and cannot be shown again.
keys-revoked-now = The key was revoked: requests with it are refused from now on.
keys-new = New key
keys-name = Name (what uses the key, e.g. “CRM”)
keys-create = Create key
keys-all = Keys
keys-none = No keys yet.
keys-created = created { $at }
keys-revoked = revoked { $at }
keys-revoke = Revoke
users-keys = API keys for your systems

## Follow-ups
nav-followups = Follow-ups
followups-title = Follow-ups
followups-lead = Customers whose answer was low, or dropped two points or more since their previous one. Call them back, note what you heard and close it with what came of it. Open longer than { $days } days is overdue.
followups-queues = Follow-up lists
followups-open = Open
followups-mine = Mine
followups-overdue = Overdue
followups-unassigned = Unassigned
followups-closed = Closed (90 days)
followups-none-open = No open follow-ups: nobody is waiting for a call.
followups-none-mine = Nothing is assigned to you.
followups-none-overdue = Nothing is overdue.
followups-none-unassigned = Every open follow-up has someone on it.
followups-none-closed = No follow-up was closed in the last 90 days.
followup-reason-low_score = low score
followup-reason-drop = dropped from { $from }
followup-overdue = overdue
followup-open-link = Follow up with { $customer }
followup-opened-at = opened { $at }
followup-closed-at = closed { $at }
followup-assigned-to = with { $who }
followup-unassigned = nobody assigned
followup-title = Follow-up: { $customer }
followup-saved = Saved.
followup-customer = Customer
followup-state = State
followup-state-open = open
followup-state-closed = closed
followup-opened = Opened
followup-closed = Closed
followup-assignee = Assigned to
followup-assign-to = Assign to
followup-nobody = nobody
followup-me = you
followup-assign = Assign
followup-note = Note (who you spoke to, what they said)
followup-add-note = Add note
followup-outcome = What came of it
followup-choose = Choose…
followup-close = Close follow-up
followup-reopen = Reopen
followup-history = History
followup-step-opened = Opened
followup-step-assigned = Assigned to
followup-step-noted = Note
followup-step-closed = Closed
followup-step-reopened = Reopened
outcome-reached = reached
outcome-not_reached = not reached
outcome-resolved = resolved
outcome-no_action = no action needed
customer-followups = Follow-ups
overview-followups = Follow-ups
overview-followups-open = Open: { $count }
overview-followups-overdue = Overdue: { $count }
overview-followups-median = Median time to close (90 days): { $hours } hours
overview-followups-none-closed = None closed in the last 90 days.

## Webhooks
users-webhooks = Webhooks: events posted to your systems
webhooks-title = Webhooks
webhooks-lead = acht posts each event you choose to your endpoint as JSON, signed with the endpoint's secret (header Acht-Signature: t=time,v1=HMAC-SHA256 of "time.body"). A failed delivery is tried again with growing pauses; each carries a stable event id, so your system can ignore one it already has.
webhooks-made = Endpoint { $url } added. Its signing secret:
webhooks-made-once = Copy it now: acht shows it only this once.
webhooks-new = New endpoint
webhooks-url = Address (URL)
webhooks-description = Description
webhooks-kinds = Events
webhooks-create = Add endpoint
webhooks-all = Endpoints
webhooks-none = No endpoints yet.
webhooks-off = switched off
webhooks-on = on
webhooks-endpoint = Webhook endpoint
webhooks-switch-off = Switch off
webhooks-switch-on = Switch on
webhooks-deliveries = Deliveries
webhooks-deliveries-lead = The newest 200, with the last attempt's result.
webhooks-no-deliveries = Nothing delivered yet.
webhooks-attempts = Attempts: { $count }
webhooks-replay = Send again
webhooks-replayed = Queued to be sent again.
webhook-kind-answer_counted = answer counted
webhook-kind-followup_opened = follow-up opened
webhook-kind-followup_closed = follow-up closed
webhook-kind-customer_unsubscribed = customer unsubscribed
webhook-kind-customer_erased = customer erased
delivery-queued = waiting
delivery-sending = sending
delivery-sent = delivered
delivery-failed = failed
delivery-suppressed = not sent
delivery-expired = expired
delivery-not_sent = not sent

## The follow-up digest (email to acht's users)
mail-digest-subject = { $count ->
    [one] 1 follow-up is waiting for you
   *[other] { $count } follow-ups are waiting for you
}
mail-digest-subject-overdue = { $count ->
    [one] 1 follow-up is waiting for you, and it is overdue
   *[other] { $count } follow-ups are waiting for you, { $overdue } overdue
}
mail-digest-lead = Customers whose answer asked for a call, assigned to you and still open; overdue after { $days } days first.
mail-digest-waiting = { $days ->
    [0] opened today
    [one] open 1 day
   *[other] open { $days } days
}
mail-digest-open-queue = Open my follow-ups
mail-digest-why = You get this email each morning while follow-ups in { $company }'s acht are assigned to you.
