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
