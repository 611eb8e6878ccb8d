"""The online zone (网厅 / 老用户特惠区): the customers' own page (issue 15)."""
