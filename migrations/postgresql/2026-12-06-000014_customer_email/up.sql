-- The customer page finds a customer by address as well as by id (case does not matter).
CREATE INDEX customers_email ON customers (lower(email));
