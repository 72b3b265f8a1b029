# acht's own words in Dutch. Every message here exists in every language (a test checks it);
# a new language is a new folder with this file translated.

## The answer pages
survey-thanks = Bedankt voor uw antwoord!
survey-change = Wilt u uw cijfer aanpassen?
survey-comment-hint = Toelichting (niet verplicht)
survey-send = Versturen
survey-saved = Uw antwoord is opgeslagen.
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
