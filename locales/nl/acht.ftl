# acht's own words in Dutch. Every message here exists in every language (a test checks it);
# a new language is a new folder with this file translated.

## The answer pages
survey-thanks = Bedankt voor uw antwoord!
survey-change = Wilt u uw cijfer aanpassen?
survey-comment-hint = Toelichting (niet verplicht)
survey-send = Versturen
survey-saved = Opgeslagen.
survey-your-score = Uw cijfer
survey-followup-default = Wat is de belangrijkste reden voor uw score?

## Words under the lowest and highest score button
scale-low = slecht
scale-high = uitstekend
scale-ces7-low = heel moeilijk
scale-ces7-high = heel makkelijk
scale-nps11-low = zeer onwaarschijnlijk
scale-nps11-high = zeer waarschijnlijk

## Error pages
error-not-found-title = Deze link kennen we niet
error-not-found-body = Controleer of u de hele link uit de e-mail hebt gebruikt.
error-expired-title = Deze vragenlijst is gesloten
error-expired-body = Deze link is verlopen. Bedankt voor uw interesse!
error-bad-form-title = Dat ging niet goed
error-bad-form-body = Kies een cijfer en probeer het opnieuw.
error-unavailable-title = Even geduld
error-unavailable-body = We kunnen uw antwoord nu niet opslaan. Probeer het zo nog eens.
error-no-page-title = Deze pagina bestaat niet
error-no-page-body = Controleer het adres, of gebruik de link uit de e-mail.

## The retention finding in one sentence
analysis-good-enough = Klanten die een { $score } geven, blijven even vaak als klanten die hoger scoren: { $rate } blijft bij een { $score }, tegen { $rate_above } daarboven (winst boven { $score }: { $gain } procentpunt, 95%-BI { $ci_low } tot { $ci_high }, binnen de marge van { $margin } punt).
analysis-good-enough-short = Een { $score } is goed genoeg: hogere scores houden klanten niet beter vast.
analysis-no-score = Elke stap omhoog op de schaal loont nog, of er zijn te weinig klanten om het te zeggen: geen score is goed genoeg binnen de marge van { $margin } punt.
analysis-not-computed = Er is geen goed-genoeg-score te berekenen: { $reason }.
analysis-too-little-data = te weinig gegevens
headline-threshold = Een { $score } is goed genoeg: klanten die een { $above } geven, blijven hooguit { $above_high } procentpunt vaker dan klanten die een { $score } geven (95%), terwijl de stap van { $prev } naar { $score } er { $below } procentpunt meer houdt ({ $below_low } tot { $below_high }).
headline-still-rising = Het behoud stijgt nog aan de top: klanten die een { $above } geven, blijven { $gain } procentpunt vaker dan klanten die een { $score } geven ({ $low } tot { $high }, 95%); geen cijfer is dus al goed genoeg.
headline-no-relation = Het cijfer zegt niet wie blijft: van { $lowest } tot { $highest } verschilt het behoud { $gain } procentpunt ({ $low } tot { $high }, 90%), binnen de marge van { $margin } punt.
headline-not-enough-needed = Nog te weinig gegevens om het te zeggen: ongeveer { $needed } klanten met antwoorden zouden het beslissen (nu { $customers }).
headline-not-enough = Nog te weinig gegevens om het te zeggen: te weinig klanten vertrokken na een antwoord om de cijfers te vergelijken (klanten met antwoorden: { $customers }).
headline-or = of
headline-method = Vertrekkans naar het laatste antwoord van elke klant bij gelijke klantduur (Poisson-regressie op persoonstijd); een cijfer is goed genoeg als de stap ernaartoe het vertrek verlaagt en alle cijfers erboven samen minder dan de helft van die stap toevoegen, beide met 95% over alle geprobeerde cijfers (Bonferroni).
error-forbidden-title = Niet toegestaan
error-forbidden-body = Dat kan hier niet. Kwam u via een formulier, laad de pagina dan opnieuw en probeer het nog eens.

## De app voor analisten
lang-nl = Nederlands
lang-en = English
app-skip = Naar de inhoud
app-nav = Hoofdmenu
app-signout = Afmelden
nav-overview = Overzicht
nav-trends = Trends
nav-retention = Behoud
nav-answers = Antwoorden
nav-users = Gebruikers
signin-title = Aanmelden
signin-email = E-mailadres
signin-password = Wachtwoord
signin-submit = Aanmelden
signin-wrong = Dit e-mailadres en wachtwoord horen niet bij een account.
signin-throttled = Te veel pogingen. Wacht een kwartier en probeer het opnieuw.

metric-grade10 = Gemiddeld cijfer
metric-ces7 = Gemiddelde inspanningsscore
metric-nps11 = NPS
metric-csat5 = CSAT
fig-answers = Antwoorden
fig-invited = Uitgenodigd
fig-response-rate = Respons
fig-share = Aandeel met
fig-thin = dun
change-up = duidelijke stijging
change-down = duidelijke daling

overview-title = Hoe klanten u beoordelen
overview-lead = De laatste vier volledige weken tegenover de vier weken daarvoor, op elke kaart dezelfde periode. Alleen statistisch duidelijke veranderingen worden genoemd.
overview-empty = Er zijn nog geen enquêtes. Maak er een via de API, of op de server met het commando: acht survey create.
overview-vs = tegenover
overview-now = Nu
overview-before = Daarvoor
overview-no-clear-change = Geen duidelijke verandering: de verschillen vallen binnen wat toeval geeft.
overview-ge-found = Het goed-genoeg-cijfer komt uit de behoudanalyse van deze enquête.
overview-ge-default = Nog geen behoudanalyse heeft een goed-genoeg-cijfer gevonden: het gebruikelijke van de schaal geldt.

filters = Filters
filter-survey = Enquête
filter-touchpoint = Contactmoment
filter-channel = Kanaal
filter-segment = Klanten
filter-all = Alle
filter-all-customers = Alle klanten
filter-grain = Per
filter-from = Van
filter-to = Tot en met
filter-score = Cijfer
filter-state = Status
filter-search = Opmerking bevat
filter-show = Toon
grain-day = dag
grain-week = week
grain-month = maand
download-csv = Download als CSV

trends-title = Trends
trends-empty = Geen antwoorden in deze periode voor deze filters.
trends-metric-lead = De lijn is de maat, de band het 95%-interval; de staven tonen het aantal antwoorden. Open punten zijn dunne perioden; driehoekjes markeren duidelijke veranderingen.
trends-table = De cijfers
col-bucket = Periode

help-title = Zo leest u deze cijfers
help-intervals = Elk cijfer heeft een 95%-interval: het bereik dat in 95 van de 100 zulke steekproeven de echte waarde bevat. Gemiddelden gebruiken Student's t; NPS de normale benadering van zijn variantie; aandelen en de respons het interval van Wilson.
help-changes = Een verandering tegenover de vorige periode heet duidelijk als haar toets onder 5% blijft na de correctie van Holm voor alle getoonde veranderingen samen. Gemiddelden: Welch' t-toets; NPS: een z-toets op het verschil; aandelen: de z-toets voor twee proporties. Al het andere valt binnen wat toeval geeft, hoe groot het ook lijkt.
help-thin = Perioden met minder dan 30 antwoorden heten dun: hun interval is breed en ze tonen zelden een duidelijke verandering.
help-response-rate = De respons telt uitnodigingen op de dag van verzending en hoeveel daarvan een meetellend antwoord kregen.
help-days = Dagen zijn UTC-dagen. Antwoorden tellen vanaf het moment dat ze meetellen (één-klik-antwoorden van een mens, niet van mailscanners).

ret-title = Behoud en het goed-genoeg-cijfer
ret-computing = De analyse van deze enquête wordt berekend. Deze pagina ververst zichzelf.
ret-computed-at = Berekend op
ret-stale = sindsdien nieuwe antwoorden of opzeggingen; binnen enkele minuten volgt een nieuwe analyse
ret-customers = klanten
ret-horizon = horizon
ret-days-unit = dagen
ret-by-score-lead = Het eerste antwoord van elke klant en of die een horizon later nog klant was (beschrijvend; het oordeel hierboven gebruikt elk antwoord).
ret-details = Voor statistici: de knik in de curve van de eerste antwoorden, en de berekening
ret-took = Deze analyse is berekend in
ret-verdict-title = Vertrek naar laatste antwoord
ret-verdict-lead = Behoud over de horizon naar het laatste antwoord van elke klant, bij gelijke klantduur (95%-intervallen); ernaast hetzelfde zonder rekening te houden met klantduur, waarbij trouwe klanten hogere cijfers beter laten lijken.
ret-verdict-chart = Behoud naar laatste antwoord, gecorrigeerd voor klantduur
ret-latest-score = Laatste cijfer
ret-left = Vertrokken
ret-years-at-risk = Jaren aan risico
ret-adjusted = Behouden, gecorrigeerd
ret-raw = Behouden, ongecorrigeerd
ret-by-score = Behoud per cijfer
ret-score = Cijfer
ret-retained-pct = Behouden (%)
ret-ge-line = goed genoeg: { $score }
ret-steps = Van het ene cijfer naar het volgende
ret-steps-lead = Het verschil in behoud tussen opeenvolgende cijfers, met 95%-interval, de p-waarde na Holm en het kleinste verschil dat deze aantallen waarschijnlijk hadden gezien (80% power).
ret-step = Stap
ret-diff = Verschil (punten)
ret-holm-p = p (Holm)
ret-mde-col = Aantoonbaar (punten)
ret-clear = duidelijk
ret-hinge-title = Waar de curve knikt
ret-hinge-lead = Een logistische curve met één knik, bij elk cijfer gepast; de knik ligt waar die het best past (de onderste grafiek toont hoeveel beter).
ret-hinge-fit = Gepaste curve met knik
ret-observed = Waargenomen
ret-bend = knik bij { $score }
ret-bend-at = Knik bij cijfer
ret-profile = Log-likelihood
ret-profile-title = Hoe goed een knik bij elk cijfer past
ret-loglik = Log-likelihood
ret-km-title = Klanten die blijven, per cijfergroep
ret-km-lead = Kaplan–Meier-schattingen met 95%-intervallen, vanaf ieders eerste antwoord.
ret-days = Dagen na het eerste antwoord
ret-still-customer = Nog klant (%)
ret-nps-title = Behoud per NPS-groep
ret-group = Groep
ret-nps-note = NPS noemt een 8 "passief", maar klanten die een 8 gaven bleven voor { $eight } tegenover { $promoters } bij promotors ({ $gap } punten).
ret-limits = Wat deze gegevens niet kunnen zeggen
ret-few-customers = Slechts { $n } klanten antwoordden: de intervallen zijn breed en kleine verschillen zijn niet te zien.
ret-mde = De onzekerste stap is { $from } → { $to }: een verschil kleiner dan ongeveer { $mde } punten blijft daar waarschijnlijk onopgemerkt.
ret-thin-levels = Minder dan 30 klanten gaven deze cijfers, dus hun percentages zijn ruw: { $scores }.
ret-association = Deze cijfers tonen welke klanten blijven, niet waarom: cijfer en behoud kunnen allebei uit iets anders volgen (looptijd, product, prijs).
nps-detractor = Criticasters (≤ 6)
nps-passive = Passieven (7–8)
nps-promoter = Promotors (9–10)

answers-title = Antwoorden
answers-none = Geen antwoorden voor deze filters.
answers-customer = Klant
answers-interaction = interactie
answers-invited = uitgenodigd
answers-pages = Pagina's
answers-newest = Nieuwste
answers-older = Ouder
state-counted = telt mee
state-provisional = voorlopig
state-unverified = onbevestigd
state-scanner = scanner

users-title = Gebruikers
users-role = Rol
users-since = Sinds
users-new = Nieuwe gebruiker
users-password-hint = minstens 10 tekens
users-create = Aanmaken
users-created = Account { $email } aangemaakt.

## Survey emails
mail-invitation-lead = Eén klik op een cijfer is genoeg.
mail-invitation-why = U ontvangt deze e-mail omdat u onlangs contact had met { $company }. We vragen klanten af en toe om een cijfer, nooit vaker dan eens per { $days } dagen.
mail-invitation-why-plain = U ontvangt deze e-mail omdat u onlangs contact had met { $company }.
mail-invitation-open = Open de vraag in uw browser
mail-text-scores = Kies een cijfer:
mail-unsubscribe = Afmelden voor deze vragen

## Unsubscribing from survey emails
unsub-title = Geen vragen meer van { $company }?
unsub-body = U krijgt dan op dit adres geen korte vragen meer over uw contact met { $company }.
unsub-button = Afmelden
unsub-done-title = U bent afgemeld
unsub-done-body = U krijgt geen vragen meer van { $company }. Dank voor uw antwoorden tot nu toe.
unsub-undo = Ongedaan maken: stuur mij weer vragen
resub-done-title = U krijgt weer vragen
resub-done-body = Dank u! { $company } kan u na een contact weer om een cijfer vragen.

## Report emails
report-title = { $company }: zo beoordeelden klanten u, { $period }
report-lead = Vergeleken met de periode ervoor ({ $previous }). Alleen statistisch duidelijke veranderingen worden genoemd.
report-overall = Totaal
report-touchpoints = Per contactmoment
report-lowest = Laagste cijfers met een toelichting
report-no-comments = Bij de cijfers van deze periode kwam geen toelichting.
report-open = Open de trends in acht
report-footer = U ontvangt dit { $frequency } rapport omdat { $email } erop is geabonneerd.
freq-daily = dagelijkse
freq-weekly = wekelijkse
freq-monthly = maandelijkse
resub-refused-body = { $company } heeft dit adres zelf afgemeld. Neem contact op met { $company } als u weer vragen wilt krijgen.
report-stop-link = Dit rapport stoppen
report-stop-title = Dit rapport stoppen?
report-stop-body = U ontvangt dit rapport dan niet meer op dit adres. Andere rapporten en de analistenapp blijven zoals ze zijn.
report-stop-button = Rapport stoppen
report-stopped-title = Het rapport is gestopt
report-stopped-body = U ontvangt het niet meer. Uw acht-beheerder kan u er opnieuw op abonneren.
trends-so-far = tot nu toe
overview-no-answers = Geen antwoorden in deze vier weken.
overview-last-answer = Het laatste antwoord kwam op { $day }.
overview-too-few = Minder dan 30 antwoorden in een periode: te weinig voor een cijfer, dus er staat er geen en er wordt geen verandering genoemd.
overview-this-week = Antwoorden deze week tot nu toe (nog niet vergeleken): { $count }
survey-comment-thanks = Bedankt voor uw toelichting!
survey-comment-saved = Uw toelichting is verstuurd. Elke toelichting wordt gelezen.
survey-edit = Uw cijfer of toelichting wijzigen
percent = { $value }%
interval = { $low } tot { $high }
date = { $day } { $month } { $year }
month-1 = jan.
month-2 = feb.
month-3 = mrt.
month-4 = apr.
month-5 = mei
month-6 = jun.
month-7 = jul.
month-8 = aug.
month-9 = sep.
month-10 = okt.
month-11 = nov.
month-12 = dec.
app-error-not-found-title = Deze pagina bestaat niet
app-error-not-found-body = Het adres is misschien verkeerd getypt, of wat het toonde bestaat niet meer. Het menu hierboven leidt naar elke pagina.
app-error-forbidden-title = Niet toegestaan
app-error-forbidden-body = Uw account mag dit niet openen, of het formulier was verlopen. Laad de pagina opnieuw en probeer het nog eens; een beheerder kan uw rol wijzigen.
app-error-bad-request-title = Dit adres heeft een waarde die acht niet kan lezen
app-error-bad-request-body = Een filter, datum of cijfer in het adres kent acht niet (een cijfer is een heel getal, een datum een datum). Kies de filters op de pagina opnieuw.
app-error-unavailable-title = Een ogenblik
app-error-unavailable-body = acht kan zijn database nu niet bereiken. Probeer het over een minuut opnieuw; niets van wat u deed is verloren.
users-error-exists = Er is al een account voor { $email }.
users-error-password = Kies een wachtwoord van minstens { $min } tekens.
users-error-email = Vul het e-mailadres in waarmee de persoon inlogt, zoals naam@bedrijf.example.
ret-missing-levels = Niet getoond: { $scores }. Geen klant in deze analyse heeft een van deze cijfers als laatste antwoord, dus er valt voor deze cijfers niets te schatten.
answers-count = Gevonden antwoorden: { $count }
answers-count-more = Gevonden antwoorden: meer dan { $count }
answers-none-yet = Nog geen antwoorden. Ze verschijnen hier zodra klanten antwoorden.
account-title = Uw account
account-saved = Opgeslagen.
account-time-zone = Tijdzone
account-time-zone-hint = Elke tijd in de app (antwoorden, de analyse, accounts) staat in deze zone en noemt haar. Dagen op de trendpagina's en in rapporten blijven UTC-dagen.
account-save = Opslaan
resub-too-late-body = Deze link kan dat niet meer ongedaan maken: de afmelding is meer dan 30 dagen oud, of de link is verlopen. Neem contact op met { $company } als u weer vragen wilt krijgen.
users-state = Status
users-actions = Acties
users-state-active = actief
users-state-disabled = uitgeschakeld
users-enable = Inschakelen
users-disable = Uitschakelen
users-make-admin = Maak beheerder
users-make-analyst = Maak analist
users-reset-password = Nieuw wachtwoord
users-error-own = U kunt uw eigen account niet uitschakelen of de rol ervan wijzigen: vraag een andere beheerder.
users-password-reset = Nieuw wachtwoord voor { $email } (eenmalig getoond): { $password } — de sessies zijn beëindigd.
users-disabled = { $email } is uitgeschakeld: de sessies zijn beëindigd, inloggen kan niet meer en er gaan geen rapporten meer heen.
users-enabled = { $email } kan weer inloggen.
users-role-changed = De rol van { $email } is gewijzigd; de sessies zijn beëindigd.
users-unlock = Ontgrendelen
users-unlocked = De mislukte inlogpogingen van { $email } zijn vergeten: inloggen kan meteen weer overal.

# The customer page
nav-customers = Klanten
customers-title = Klanten
customers-find = Klantnummer of e-mailadres
customers-find-button = Zoeken
customers-find-hint = Het klantnummer is het nummer waarmee uw systemen klanten melden.
customers-none = Geen klant heeft het nummer of adres “{ $typed }”.
customer-title = Klant { $id }
customer-email = E-mail
customer-no-email = geen
customer-language = Taal
customer-first-seen = Eerst gezien
customer-retention = Behoud
customer-active = nog klant
customer-churned = vertrokken op { $at }
customer-committed = onder contract tot { $until }
customer-surveys = Enquêtes
customer-unsubscribed = afgemeld op { $at }
customer-privacy = Persoonsgegevens
customer-erased = gewist op { $at }
customer-erased-now = De persoonsgegevens van deze klant zijn gewist. Cijfers en data blijven in de figuren.
customer-answers = Antwoorden
customer-no-answers = Geen antwoorden van deze klant.
customer-contacts = Contactmomenten
customer-no-contacts = Geen contactmomenten gemeld.
customer-events = Gebeurtenissen
customer-data = Gegevens
customer-download = Alles over deze klant downloaden (JSON)
customer-erase-confirm = Typ het klantnummer ({ $id }) om de persoonsgegevens van deze klant te wissen:
customer-erase-hint = Adres, kenmerken, opmerkingen en browsergegevens verdwijnen voorgoed; cijfers en data blijven in de figuren. De enquêtelinks sluiten.
customer-erase = Persoonsgegevens wissen
decision-invited = uitgenodigd
decision-throttled = niet uitgenodigd: onlangs gevraagd
decision-sampled_out = niet uitgenodigd: niet in de steekproef
decision-no_email = niet uitgenodigd: geen adres
decision-unsubscribed = niet uitgenodigd: afgemeld
decision-erased = niet uitgenodigd: gegevens gewist
decision-no_matching_survey = niet uitgenodigd: geen enquête voor dit contactmoment
invitation-pending = e-mail wacht
invitation-opened = link geopend
invitation-answered = beantwoord
invitation-expired = verlopen zonder antwoord
event-churn = vertrokken
event-renewal = gebleven (verlengd)
event-unsubscribe = afgemeld
event-resubscribe = weer aangemeld
answers-customer-link = Klantpagina

audit-title = Auditlog
audit-lead = Wie de gegevens van een klant downloadde of wiste, en wanneer. Het log noemt klanten bij het eigen nummer van acht en bewaart dus geen persoonsgegevens van hen; de nieuwste 500 regels.
audit-none = Nog niemand heeft de gegevens van een klant gedownload of gewist.
audit-customer_exported = Gegevens gedownload:
audit-customer_erased = Persoonsgegevens gewist:
users-audit = Auditlog: wie gegevens van klanten downloadde of wiste

keys-title = API-sleutels
keys-lead = Uw systemen melden contactmomenten en vertrek met deze sleutels (de JSON-API, header Authorization: Bearer SLEUTEL). acht bewaart alleen een hash van elke sleutel.
keys-made = Nieuwe sleutel “{ $name }”:
keys-made-once = Kopieer hem nu: hij wordt alleen deze keer getoond.
keys-revoked-now = De sleutel is ingetrokken: verzoeken ermee worden vanaf nu geweigerd.
keys-new = Nieuwe sleutel
keys-name = Naam (wat de sleutel gebruikt, bijv. “CRM”)
keys-create = Sleutel maken
keys-all = Sleutels
keys-none = Nog geen sleutels.
keys-created = gemaakt { $at }
keys-revoked = ingetrokken { $at }
keys-revoke = Intrekken
users-keys = API-sleutels voor uw systemen

## Opvolging
nav-followups = Opvolging
followups-title = Opvolging
followups-lead = Klanten met een laag antwoord, of een antwoord twee punten of meer lager dan hun vorige. Bel ze terug, noteer wat je hoorde en sluit af met wat het opleverde. Langer dan { $days } dagen open is te laat.
followups-queues = Opvolglijsten
followups-open = Open
followups-mine = Van mij
followups-overdue = Te laat
followups-unassigned = Niet toegewezen
followups-closed = Gesloten (90 dagen)
followups-none-open = Niets open: niemand wacht op een telefoontje.
followups-none-mine = Er is niets aan jou toegewezen.
followups-none-overdue = Niets is te laat.
followups-none-unassigned = Elke open opvolging heeft iemand.
followups-none-closed = De laatste 90 dagen is niets gesloten.
followup-reason-low_score = laag cijfer
followup-reason-drop = gedaald van { $from }
followup-overdue = te laat
followup-open-link = { $customer } opvolgen
followup-opened-at = geopend { $at }
followup-closed-at = gesloten { $at }
followup-assigned-to = bij { $who }
followup-unassigned = niemand toegewezen
followup-title = Opvolging: { $customer }
followup-saved = Opgeslagen.
followup-customer = Klant
followup-state = Stand
followup-state-open = open
followup-state-closed = gesloten
followup-opened = Geopend
followup-closed = Gesloten
followup-assignee = Toegewezen aan
followup-assign-to = Toewijzen aan
followup-nobody = niemand
followup-me = jij
followup-assign = Toewijzen
followup-note = Notitie (wie je sprak, wat ze zeiden)
followup-add-note = Notitie toevoegen
followup-outcome = Wat het opleverde
followup-choose = Kies…
followup-close = Opvolging sluiten
followup-reopen = Heropenen
followup-history = Verloop
followup-step-opened = Geopend
followup-step-assigned = Toegewezen aan
followup-step-noted = Notitie
followup-step-closed = Gesloten
followup-step-reopened = Heropend
outcome-reached = bereikt
outcome-not_reached = niet bereikt
outcome-resolved = opgelost
outcome-no_action = geen actie nodig
customer-followups = Opvolging
overview-followups = Opvolging
overview-followups-open = Open: { $count }
overview-followups-overdue = Te laat: { $count }
overview-followups-median = Mediane tijd tot sluiten (90 dagen): { $hours } uur
overview-followups-none-closed = De laatste 90 dagen is niets gesloten.

## Webhooks
users-webhooks = Webhooks: gebeurtenissen naar uw systemen
webhooks-title = Webhooks
webhooks-lead = acht stuurt elke gekozen gebeurtenis als JSON naar uw endpoint, ondertekend met het geheim van het endpoint (header Acht-Signature: t=tijd,v1=HMAC-SHA256 van "tijd.body"). Een mislukte aflevering wordt opnieuw geprobeerd met steeds langere pauzes; elke aflevering heeft een vast gebeurtenis-id, zodat uw systeem een dubbele kan negeren.
webhooks-made = Endpoint { $url } toegevoegd. Het geheim om te ondertekenen:
webhooks-made-once = Kopieer het nu: acht laat het maar één keer zien.
webhooks-new = Nieuw endpoint
webhooks-url = Adres (URL)
webhooks-description = Omschrijving
webhooks-kinds = Gebeurtenissen
webhooks-create = Endpoint toevoegen
webhooks-all = Endpoints
webhooks-none = Nog geen endpoints.
webhooks-off = uitgeschakeld
webhooks-on = aan
webhooks-endpoint = Webhook-endpoint
webhooks-switch-off = Uitschakelen
webhooks-switch-on = Inschakelen
webhooks-deliveries = Afleveringen
webhooks-deliveries-lead = De nieuwste 200, met het resultaat van de laatste poging.
webhooks-no-deliveries = Nog niets afgeleverd.
webhooks-attempts = Pogingen: { $count }
webhooks-replay = Opnieuw versturen
webhooks-replayed = Staat klaar om opnieuw te versturen.
webhook-kind-answer_counted = antwoord geteld
webhook-kind-followup_opened = opvolging geopend
webhook-kind-followup_closed = opvolging gesloten
webhook-kind-customer_unsubscribed = klant afgemeld
webhook-kind-customer_erased = klant gewist
delivery-queued = wacht
delivery-sending = bezig
delivery-sent = afgeleverd
delivery-failed = mislukt
delivery-suppressed = niet verstuurd
delivery-expired = verlopen
delivery-not_sent = niet verstuurd

## De opvolgmail (aan gebruikers van acht)
mail-digest-subject = { $count ->
    [one] 1 opvolging wacht op je
   *[other] { $count } opvolgingen wachten op je
}
mail-digest-subject-overdue = { $count ->
    [one] 1 opvolging wacht op je, en die is te laat
   *[other] { $count } opvolgingen wachten op je, { $overdue } te laat
}
mail-digest-lead = Klanten wier antwoord om een telefoontje vroeg, aan jou toegewezen en nog open; wat langer dan { $days } dagen open is eerst.
mail-digest-waiting = { $days ->
    [0] vandaag geopend
    [one] 1 dag open
   *[other] { $days } dagen open
}
mail-digest-open-queue = Mijn opvolgingen openen
mail-digest-why = Je krijgt deze mail elke ochtend zolang er in acht van { $company } opvolgingen aan jou zijn toegewezen.
