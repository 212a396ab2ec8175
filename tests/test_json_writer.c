#include <criterion/criterion.h>
Test(json_writer, placeholder) {}
