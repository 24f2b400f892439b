"""personas: people management for identity verification (KYC) in Mexico."""
