DROP INDEX responses_analysis;
