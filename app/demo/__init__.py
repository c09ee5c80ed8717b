"""Demo data: an expo in the style of Smart Biz Expo at COEX, Seoul."""
