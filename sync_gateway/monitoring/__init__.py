"""What the admin page reads: bridge health, queues, failures, retries and the audit trail."""
