# acht's own words in English. Every message here exists in every language (a test checks it);
# a new language is a new folder with this file translated.

## The answer pages
survey-thanks = Thank you for your answer!
survey-change = Would you like to change your score?
survey-comment-hint = Comment (optional)
survey-send = Send
survey-saved = Your answer has been saved.
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
